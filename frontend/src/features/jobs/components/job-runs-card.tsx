import { Link } from "react-router";

import { Button } from "@/components/ui/button";
import { Card, CardAction, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { ErrorMessage } from "@/components/ui/error-message";
import { RunStatusBadge } from "@/components/ui/run-status-badge";
import { Skeleton } from "@/components/ui/skeleton";
import { useJobRecentRuns } from "@/features/jobs/api/get-job-recent-runs";
import { formatDateTime, formatDuration, formatNumber } from "@/lib/format";

/** The job's last runs, newest first, each opening its progress page. */
export function JobRunsCard({ jobId }: { jobId: number }) {
  const runs = useJobRecentRuns(jobId);
  return (
    <Card>
      <CardHeader className="flex-row items-center">
        <CardTitle>Recent runs</CardTitle>
        <CardAction>
          <Button variant="link" size="sm" asChild className="h-auto p-0">
            <Link to={`/runs?job_id=${jobId}`}>All runs</Link>
          </Button>
        </CardAction>
      </CardHeader>
      <CardContent>
        {runs.isPending ? (
          <Skeleton className="h-24 w-full" />
        ) : runs.isError ? (
          <ErrorMessage title="Could not load the runs" error={runs.error} />
        ) : runs.data.items.length === 0 ? (
          <p className="text-sm text-muted-foreground">Not run yet. Execute it to see the first run here.</p>
        ) : (
          <ul className="flex flex-col divide-y" aria-label="Recent runs">
            {runs.data.items.map((run) => (
              <li key={run.id} className="flex flex-wrap items-center justify-between gap-2 py-2 text-sm">
                <div className="flex items-center gap-2">
                  <Link to={`/runs/${run.id}`} className="font-medium text-primary underline-offset-4 hover:underline">
                    #{run.id}
                  </Link>
                  <RunStatusBadge status={run.status} />
                </div>
                <span className="text-xs text-muted-foreground tabular-nums">
                  {formatDateTime(run.started_at ?? run.created_at)} · {formatDuration(run.duration_seconds)} ·{" "}
                  {formatNumber(run.rows_loaded)} rows
                </span>
              </li>
            ))}
          </ul>
        )}
      </CardContent>
    </Card>
  );
}
