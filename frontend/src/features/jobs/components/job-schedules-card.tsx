import { PlusIcon } from "lucide-react";
import { Link } from "react-router";

import { RoleGate } from "@/components/role-gate";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardAction, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { ErrorMessage } from "@/components/ui/error-message";
import { Skeleton } from "@/components/ui/skeleton";
import { useJobSchedules } from "@/features/jobs/api/get-job-schedules";
import { formatDateTimeInZone } from "@/lib/format";

/** The job's cron schedules; they are created and changed on the schedules page. */
export function JobSchedulesCard({ jobId }: { jobId: number }) {
  const schedules = useJobSchedules(jobId);
  return (
    <Card>
      <CardHeader className="flex-row items-center">
        <CardTitle>Schedules</CardTitle>
        <RoleGate role="operator">
          <CardAction>
            <Button variant="outline" size="sm" asChild>
              <Link to={`/schedules?job_id=${jobId}&new=1`}>
                <PlusIcon />
                Add schedule
              </Link>
            </Button>
          </CardAction>
        </RoleGate>
      </CardHeader>
      <CardContent>
        {schedules.isPending ? (
          <Skeleton className="h-16 w-full" />
        ) : schedules.isError ? (
          <ErrorMessage title="Could not load the schedules" error={schedules.error} />
        ) : schedules.data.items.length === 0 ? (
          <p className="text-sm text-muted-foreground">Runs only when executed by hand.</p>
        ) : (
          <ul className="flex flex-col divide-y" aria-label="Schedules">
            {schedules.data.items.map((schedule) => (
              <li key={schedule.id} className="flex flex-col gap-1 py-2 text-sm">
                <div className="flex items-center justify-between gap-2">
                  <span className="font-medium">{schedule.description}</span>
                  <Badge variant={schedule.enabled ? "success" : "outline"}>{schedule.enabled ? "On" : "Off"}</Badge>
                </div>
                <span className="text-xs text-muted-foreground">
                  <code>{schedule.cron_expression}</code> ({schedule.timezone})
                  {schedule.enabled && schedule.next_runs[0] && <> · next {formatDateTimeInZone(schedule.next_runs[0], schedule.timezone)}</>}
                </span>
              </li>
            ))}
          </ul>
        )}
        {schedules.data && schedules.data.items.length > 0 && (
          <Button variant="link" size="sm" asChild className="mt-2 h-auto p-0">
            <Link to={`/schedules?job_id=${jobId}`}>Manage schedules</Link>
          </Button>
        )}
      </CardContent>
    </Card>
  );
}
