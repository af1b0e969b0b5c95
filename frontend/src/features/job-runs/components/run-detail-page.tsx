import { PageHeader } from "@/components/ui/page-header";

// Placeholder so the router builds; FRONTEND-B replaces this page.
export function RunDetailPage() {
  return <PageHeader title="Run" description="Coming soon." />;
}
