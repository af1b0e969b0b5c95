import { PageHeader } from "@/components/ui/page-header";

// Placeholder so the router builds; FRONTEND-B replaces this page.
export function SchedulesPage() {
  return <PageHeader title="Schedules" description="Coming soon." />;
}
