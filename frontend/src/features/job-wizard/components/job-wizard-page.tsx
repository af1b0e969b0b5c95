import { PageHeader } from "@/components/ui/page-header";

// Placeholder so the router builds; FRONTEND-A fills this page in next.
export function JobWizardPage() {
  return <PageHeader title="New job" description="Coming soon." />;
}
