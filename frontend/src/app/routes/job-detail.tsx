import { JobDetailPage } from "@/features/jobs/components/job-detail-page";
import { JobNotificationsPanel } from "@/features/notifications/components/job-notifications-panel";

// The job page with the notifications feature's panel: features do not import each other, the app
// layer joins them.
const panels = (jobId: number) => <JobNotificationsPanel jobId={jobId} />;

/** /jobs/:jobId */
export function JobDetailRoute() {
  return <JobDetailPage panels={panels} />;
}
