import { PageHeader } from "@/components/ui/page-header";

// Placeholder so the router builds; FRONTEND-A fills this page in next.
export function UploadPage() {
  return <PageHeader title="Upload" description="Coming soon." />;
}
