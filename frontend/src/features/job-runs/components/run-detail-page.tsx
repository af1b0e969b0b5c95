import { ArrowLeftIcon, DatabaseIcon, RotateCwIcon } from "lucide-react";
import * as React from "react";
import { Link, useNavigate, useParams } from "react-router";
import { toast } from "sonner";

import { RoleGate } from "@/components/role-gate";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardContent } from "@/components/ui/card";
import { ErrorMessage } from "@/components/ui/error-message";
import { PageHeader } from "@/components/ui/page-header";
import { Skeleton } from "@/components/ui/skeleton";
import { Tabs, TabsContent, TabsList, TabsTrigger } from "@/components/ui/tabs";
import { useJobRun } from "@/features/job-runs/api/get-job-run";
import { AirflowLogLink } from "@/features/job-runs/components/airflow-log-link";
import { CancelRunButton } from "@/features/job-runs/components/cancel-run-button";
import { LoadedRowsPanel } from "@/features/job-runs/components/loaded-rows-panel";
import { RejectedRowsPanel } from "@/features/job-runs/components/rejected-rows-panel";
import { RetryFailedTablesButton } from "@/features/job-runs/components/retry-failed-tables-button";
import { RunOutputsCard } from "@/features/job-runs/components/run-outputs-card";
import { RunTablesCard } from "@/features/job-runs/components/run-tables-card";
import { SchemaDriftCard } from "@/features/job-runs/components/schema-drift-card";
import { RunLogs } from "@/features/job-runs/components/run-logs";
import { RunProgressCard } from "@/features/job-runs/components/run-progress-card";
import { useJobRunStream } from "@/features/job-runs/hooks/use-job-run-stream";
import { isActive } from "@/features/job-runs/utils/run-figures";
import { toApiError } from "@/lib/api-client";
import { formatDateTime, formatNumber } from "@/lib/format";
import { useExecuteJob } from "@/lib/requests/execute-job";
import { useCredential } from "@/lib/requests/get-credential";
import { useJob } from "@/lib/requests/get-job";
import type { JobRunRead, SchemaDrift } from "@/types/api";

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
    case "NOTHING_TO_LOAD":
      toast.info(`${title}: nothing to load`, { description: "The source had nothing new; nothing was committed." });
      break;
    default:
      toast.error(`${title} failed`, { description: run.error_message ?? undefined });
  }
}

/** A new run of the same job (POST /jobs/execute/{job_id}), then its page. */
function RerunButton({ run }: { run: JobRunRead }) {
  const navigate = useNavigate();
  const execute = useExecuteJob();
  return (
    <Button
      disabled={execute.isPending}
      data-testid="rerun-button"
      onClick={() =>
        execute.mutate(run.job_id, {
          onSuccess: (next) => {
            toast.success(`Run #${next.id} of ${run.job_name} started`);
            void navigate(`/runs/${next.id}`);
          },
          onError: (error) => toast.error(`Could not start ${run.job_name}`, { description: toApiError(error).message }),
        })
      }
    >
      <RotateCwIcon />
      {execute.isPending ? "Starting…" : "Run again"}
    </Button>
  );
}

/** The job's destination in the database browser, at the table (or schema) the run loads. */
function BrowseDestinationLink({ jobId }: { jobId: number }) {
  const job = useJob(jobId);
  // Only where the browser reads the destination (not S3, Redshift or Snowflake).
  const destination = useCredential(job.data?.credential_id ?? null);
  if (!job.data || !destination.data?.browsable) return null;
  const { credential_id: credentialId, source_type: sourceType, tables } = job.data;
  // A many-table job opens at its first table's schema; others at their one target table.
  const schema = job.data.target_schema ?? tables[0]?.target_schema;
  const table = sourceType === "tables" ? undefined : job.data.target_table;
  const search = new URLSearchParams({ ...(schema && { schema }), ...(table && { table }) });
  return (
    <Button variant="outline" asChild>
      <Link to={`/connections/${credentialId}/browse?${search.toString()}`}>
        <DatabaseIcon />
        Browse the destination
      </Link>
    </Button>
  );
}

function RunDetail({ run }: { run: JobRunRead }) {
  const active = isActive(run.status);
  const loaded = run.status === "COMPLETED" || run.status === "COMPLETED_WITH_REJECTS";
  // Followed from when the page opens it active until the stream's own `end`: the terminal status
  // that the stream writes just before `end` must not close the stream and lose the end notice.
  const [follow] = React.useState(active);
  const streamState = useJobRunStream(run.id, { enabled: follow, onEnd: announceEnd });

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
            <RoleGate role="operator">
              {active ? (
                <CancelRunButton run={run} />
              ) : (
                <>
                  <RetryFailedTablesButton run={run} />
                  <RerunButton run={run} />
                </>
              )}
            </RoleGate>
            <BrowseDestinationLink jobId={run.job_id} />
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
        {run.status === "NOTHING_TO_LOAD" && (
          <Alert data-testid="nothing-to-load">
            <AlertTitle>Nothing to load</AlertTitle>
            <AlertDescription>
              The source had nothing new since the last successful run (no new file, no row past the cursor): nothing was
              committed.
            </AlertDescription>
          </Alert>
        )}
        {run.schema_drift && <SchemaDriftCard drift={run.schema_drift as SchemaDrift} />}
        <RunProgressCard run={run} streamState={streamState} />
        {run.tables && run.tables.length > 0 && <RunTablesCard tables={run.tables} />}
        {run.outputs && run.outputs.length > 0 && <RunOutputsCard outputs={run.outputs} />}
        <Tabs defaultValue="logs">
          <TabsList>
            <TabsTrigger value="logs">Logs</TabsTrigger>
            <TabsTrigger value="rejected">Rejected rows ({formatNumber(run.rows_rejected)})</TabsTrigger>
            {loaded && <TabsTrigger value="loaded">Loaded data</TabsTrigger>}
          </TabsList>
          <Card className="mt-2">
            <CardContent>
              <TabsContent value="logs">
                <RunLogs
                  runId={run.id}
                  actions={run.airflow_task_log_path && <AirflowLogLink path={run.airflow_task_log_path} />}
                />
              </TabsContent>
              <TabsContent value="rejected">
                <RejectedRowsPanel runId={run.id} />
              </TabsContent>
              {loaded && (
                <TabsContent value="loaded">
                  <LoadedRowsPanel runId={run.id} />
                </TabsContent>
              )}
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
