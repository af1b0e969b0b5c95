import { PageHeader } from "@/components/ui/page-header";

// Placeholder so the router builds; FRONTEND-B replaces this page.
export function RunsPage() {
  return <PageHeader title="Runs" description="Coming soon." />;
}
