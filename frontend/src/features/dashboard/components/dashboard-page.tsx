import { PageHeader } from "@/components/ui/page-header";

// Placeholder so the router builds; FRONTEND-B replaces this page.
export function DashboardPage() {
  return <PageHeader title="Dashboard" description="Coming soon." />;
}
