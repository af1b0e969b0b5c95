import { PageHeader } from "@/components/ui/page-header";

// Placeholder so the router builds; FRONTEND-B replaces this page.
export function JobsPage() {
  return <PageHeader title="Jobs" description="Coming soon." />;
}
