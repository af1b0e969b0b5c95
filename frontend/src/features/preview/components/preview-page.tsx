import { PageHeader } from "@/components/ui/page-header";

// Placeholder so the router builds; FRONTEND-A fills this page in next.
export function PreviewPage() {
  return <PageHeader title="Preview" description="Coming soon." />;
}
