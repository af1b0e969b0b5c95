import { PageHeader } from "@/components/ui/page-header";

// Placeholder so the router builds; FRONTEND-B replaces this page.
export function JobDetailPage() {
  return <PageHeader title="Job" description="Coming soon." />;
}
