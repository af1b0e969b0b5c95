import { PageHeader } from "@/components/ui/page-header";

// Placeholder so the router builds; FRONTEND-B replaces this page.
export function CredentialsPage() {
  return <PageHeader title="Credentials" description="Coming soon." />;
}
