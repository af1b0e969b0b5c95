import { ArrowLeftIcon, BanIcon } from "lucide-react";
import { Link, useParams } from "react-router";
import { toast } from "sonner";

import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardContent } from "@/components/ui/card";
import { ErrorMessage } from "@/components/ui/error-message";
import { PageHeader } from "@/components/ui/page-header";
import { Skeleton } from "@/components/ui/skeleton";
import { Tabs, TabsContent, TabsList, TabsTrigger } from "@/components/ui/tabs";
import { useCancelJobRun } from "@/features/job-runs/api/cancel-job-run";
import { useJobRun } from "@/features/job-runs/api/get-job-run";
import { RejectedRowsPanel } from "@/features/job-runs/components/rejected-rows-panel";
import { RunLogs } from "@/features/job-runs/components/run-logs";
import { RunProgressCard } from "@/features/job-runs/components/run-progress-card";
import { useJobRunStream } from "@/features/job-runs/hooks/use-job-run-stream";
import { isActive } from "@/features/job-runs/utils/run-figures";
import { toApiError } from "@/lib/api-client";
import { formatDateTime, formatNumber } from "@/lib/format";
import type { JobRunRead } from "@/types/api";

function announceEnd(run: JobRunRead) {
  const title = `Run #${run.id} of ${run.job_name}`;
  switch (run.status) {
    case "COMPLETED":
      toast.success(`${title} completed`, { description: `${formatNumber(run.rows_loaded)} rows loaded.` });
      break;
    case "COMPLETED_WITH_REJECTS":
      toast.warning(`${title} completed with rejects`, {
        description: `${formatNumber(run.rows_loaded)} rows loaded, ${formatNumber(run.rows_rejected)} rejected.`,
      });
      break;
    case "CANCELLED":
      toast.info(`${title} was cancelled`);
      break;
    default:
      toast.error(`${title} failed`, { description: run.error_message ?? undefined });
  }
}

function CancelRunButton({ runId }: { runId: number }) {
  const cancel = useCancelJobRun();
  return (
    <Button
      variant="outline"
      disabled={cancel.isPending}
      onClick={() =>
        cancel.mutate(runId, {
          onSuccess: () => toast.info("Run cancelled"),
          onError: (error) => toast.error("Could not cancel the run", { description: toApiError(error).message }),
        })
      }
    >
      <BanIcon />
      Cancel run
    </Button>
  );
}

function RunDetail({ run }: { run: JobRunRead }) {
  const active = isActive(run.status);
  const streamState = useJobRunStream(run.id, { enabled: active, onEnd: announceEnd });

  return (
    <>
      <PageHeader
        title={`Run #${run.id}`}
        description={
          <>
            <Link to={`/jobs/${run.job_id}`} className="font-medium text-foreground underline-offset-4 hover:underline">
              {run.job_name}
            </Link>{" "}
            · {run.trigger === "schedule" ? "scheduled" : "manual"} run{run.attempt > 1 && `, attempt ${run.attempt}`} · created{" "}
            {formatDateTime(run.created_at)}
          </>
        }
        actions={
          <>
            {active && <CancelRunButton runId={run.id} />}
            <Button variant="ghost" asChild>
              <Link to={`/runs?job_id=${run.job_id}`}>
                <ArrowLeftIcon />
                Run history
              </Link>
            </Button>
          </>
        }
      />
      <div className="flex flex-col gap-6">
        {run.status === "FAILED" && (
          <Alert variant="destructive">
            <AlertTitle>The run failed</AlertTitle>
            <AlertDescription>{run.error_message ?? "No reason was recorded."}</AlertDescription>
          </Alert>
        )}
        <RunProgressCard run={run} streamState={streamState} />
        <Tabs defaultValue="logs">
          <TabsList>
            <TabsTrigger value="logs">Logs</TabsTrigger>
            <TabsTrigger value="rejected">Rejected rows ({formatNumber(run.rows_rejected)})</TabsTrigger>
          </TabsList>
          <Card className="mt-2">
            <CardContent>
              <TabsContent value="logs">
                <RunLogs runId={run.id} />
              </TabsContent>
              <TabsContent value="rejected">
                <RejectedRowsPanel runId={run.id} />
              </TabsContent>
            </CardContent>
          </Card>
        </Tabs>
      </div>
    </>
  );
}

/** /runs/:runId — one run, live while it is pending or running. */
export function RunDetailPage() {
  const runId = Number(useParams().runId);
  const run = useJobRun(runId);

  if (run.isPending) {
    return (
      <div className="flex flex-col gap-6" aria-busy="true">
        <Skeleton className="h-8 w-48" />
        <Skeleton className="h-48 w-full" />
        <Skeleton className="h-64 w-full" />
      </div>
    );
  }
  if (run.isError) {
    return <ErrorMessage title="Could not load the run" error={run.error} onRetry={() => void run.refetch()} />;
  }
  return <RunDetail key={run.data.id} run={run.data} />;
}
