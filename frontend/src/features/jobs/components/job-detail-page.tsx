import { CopyIcon, FileTextIcon, PencilIcon, Trash2Icon } from "lucide-react";
import { Link, useNavigate, useParams } from "react-router";
import { toast } from "sonner";

import { RoleGate } from "@/components/role-gate";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { ErrorMessage } from "@/components/ui/error-message";
import { PageHeader } from "@/components/ui/page-header";
import { Skeleton } from "@/components/ui/skeleton";
import { useCloneJob } from "@/features/jobs/api/clone-job";
import { useDeleteJob } from "@/features/jobs/api/delete-job";
import { useJobCredential } from "@/features/jobs/api/get-job-credential";
import { ExecuteJobButton } from "@/features/jobs/components/execute-job-button";
import { JobMappingsTable } from "@/features/jobs/components/job-mappings-table";
import { JobRunsCard } from "@/features/jobs/components/job-runs-card";
import { JobSchedulesCard } from "@/features/jobs/components/job-schedules-card";
import { ReplaceFileDialog } from "@/features/jobs/components/replace-file-dialog";
import { JobTablesCard } from "@/features/jobs/components/job-tables-card";
import { SOURCE_TYPE_LABEL, STRATEGY_LABEL, strategyInWords } from "@/features/jobs/utils/strategy";
import { toApiError } from "@/lib/api-client";
import { formatNumber } from "@/lib/format";
import { OVERLAP_EFFECT } from "@/lib/run-overlap";
import { useJob } from "@/lib/requests/get-job";
import type { JobRead } from "@/types/api";

function Fact({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="min-w-0">
      <dt className="text-xs font-medium text-muted-foreground">{label}</dt>
      <dd className="mt-0.5 text-sm break-words">{children}</dd>
    </div>
  );
}

function Destination({ job }: { job: JobRead }) {
  const credential = useJobCredential(job.credential_id);
  const name = credential.data ? `${credential.data.name} (${credential.data.kind})` : `credential #${job.credential_id}`;
  return (
    <>
      <span className="font-mono">
        {job.source_type === "tables" ? `${job.tables[0]?.target_schema ?? ""} (a table per source table)` : `${job.target_schema}.${job.target_table}`}
      </span>{" "}
      <span className="text-muted-foreground">on {name}</span>
    </>
  );
}

/** What the job reads: its file (with a preview link), the arriving files' pattern, the connection's tables or query. */
function JobSource({ job }: { job: JobRead }) {
  const connection = useJobCredential(job.source_credential_id ?? null);
  const on = connection.data ? ` on ${connection.data.name}` : "";
  return (
    <span data-testid="job-source" className="flex flex-col gap-1">
      <span>
        <Badge variant="outline" className="mr-1">
          {SOURCE_TYPE_LABEL[job.source_type]}
        </Badge>
        {job.source_type === "tables"
          ? `${job.tables.filter((table) => table.include).length} tables${on}`
          : job.source_type === "query"
            ? `A query${on}`
            : job.source_label}
      </span>
      {job.source_type === "files" && (
        <span className="font-mono text-xs">
          {job.source_pattern} ({job.source_options?.mode === "latest" ? "newest match" : "every new file"})
        </span>
      )}
      {job.source_type === "query" && (
        <pre className="max-h-40 overflow-auto rounded-md bg-muted p-2 font-mono text-xs whitespace-pre-wrap">{job.source_query}</pre>
      )}
      {job.file_id && (
        <Link to={`/files/${job.file_id}`} className="inline-flex items-center gap-1 text-primary hover:underline">
          <FileTextIcon className="size-3.5" aria-hidden />
          {job.source_type === "files" ? "Preview the sample file" : "Preview the file"}
        </Link>
      )}
    </span>
  );
}

function thresholdText(job: JobRead): string {
  const parts = [];
  if (job.reject_threshold_count != null) parts.push(`${formatNumber(job.reject_threshold_count)} rows`);
  if (job.reject_threshold_percent != null) parts.push(`${job.reject_threshold_percent}%`);
  // The engine's default without a threshold: one rejected row fails the run and loads nothing.
  return parts.length ? `Fails above ${parts.join(" or ")} rejected` : "None allowed: any rejected row fails the run";
}

function JobDetail({ job, panels }: { job: JobRead; panels?: (jobId: number) => React.ReactNode }) {
  const navigate = useNavigate();
  const remove = useDeleteJob();
  const clone = useCloneJob();
  return (
    <>
      <PageHeader
        title={job.name}
        description={job.description ?? undefined}
        actions={
          <RoleGate role="operator">
            <ExecuteJobButton job={job} />
            <Button variant="outline" asChild>
              <Link to={`/jobs/${job.id}/edit`} data-testid="edit-job-button">
                <PencilIcon />
                Edit
              </Link>
            </Button>
            <Button
              variant="outline"
              disabled={clone.isPending}
              data-testid="clone-job-button"
              onClick={() =>
                clone.mutate(job, {
                  onSuccess: (copy) => {
                    toast.success(`${copy.name} created`);
                    void navigate(`/jobs/${copy.id}`);
                  },
                  onError: (error) => toast.error("Could not clone the job", { description: toApiError(error).message }),
                })
              }
            >
              <CopyIcon />
              {clone.isPending ? "Cloning…" : "Clone"}
            </Button>
            {job.file_id && <ReplaceFileDialog job={job} />}
            <ConfirmDialog
              title={`Delete ${job.name}?`}
              description="The job, its schedules and its run history are removed. Tables already loaded stay as they are."
              onConfirm={() =>
                remove.mutate(job.id, {
                  onSuccess: () => {
                    toast.success(`${job.name} deleted`);
                    void navigate("/jobs");
                  },
                  onError: (error) => toast.error("Could not delete the job", { description: toApiError(error).message }),
                })
              }
              trigger={
                <Button variant="outline" disabled={remove.isPending}>
                  <Trash2Icon />
                  Delete
                </Button>
              }
            />
          </RoleGate>
        }
      />
      <div className="grid gap-6 lg:grid-cols-3">
        <div className="flex min-w-0 flex-col gap-6 lg:col-span-2">
          <Card>
            <CardHeader>
              <CardTitle>Load</CardTitle>
              <CardDescription>{strategyInWords(job)}</CardDescription>
            </CardHeader>
            <CardContent>
              <dl className="grid gap-4 sm:grid-cols-2">
                <Fact label="Source">
                  <JobSource job={job} />
                </Fact>
                <Fact label="Destination">
                  <Destination job={job} />
                </Fact>
                <Fact label="Strategy">
                  <Badge variant="secondary">{job.source_type === "tables" ? "Per table" : STRATEGY_LABEL[job.strategy]}</Badge>
                  {job.strategy === "UPSERT" && (
                    <span className="ml-2 font-mono text-xs">keys: {(job.upsert_keys ?? []).join(", ")}</span>
                  )}
                </Fact>
                <Fact label="Rejected rows">{thresholdText(job)}</Fact>
                <Fact label="Batch size">{formatNumber(job.batch_size)} rows</Fact>
                <Fact label="Retries">
                  {job.max_retries === 0 ? "None" : `${job.max_retries}, ${job.retry_delay_seconds}s apart`}
                </Fact>
                <Fact label="Pace">
                  {job.max_rows_per_second == null ? "No limit" : `At most ${formatNumber(job.max_rows_per_second)} rows per second`}
                </Fact>
                <Fact label="Overlapping runs">
                  {job.allow_concurrent_runs ? `Allowed: ${OVERLAP_EFFECT[job.strategy]}` : "One run at a time"}
                </Fact>
              </dl>
            </CardContent>
          </Card>
          {job.source_type === "tables" ? (
            <JobTablesCard job={job} />
          ) : (
            <Card>
              <CardHeader>
                <CardTitle>Column mappings</CardTitle>
                <CardDescription>
                  {job.mappings.filter((m) => m.include).length} of {job.mappings.length} columns loaded
                </CardDescription>
              </CardHeader>
              <CardContent>
                <JobMappingsTable mappings={job.mappings} />
              </CardContent>
            </Card>
          )}
          {job.ddl && (
            <Card>
              <CardHeader>
                <CardTitle>Table definition</CardTitle>
              </CardHeader>
              <CardContent>
                <pre className="overflow-x-auto rounded-md bg-muted p-3 font-mono text-xs">{job.ddl}</pre>
              </CardContent>
            </Card>
          )}
        </div>
        <div className="flex min-w-0 flex-col gap-6">
          <JobRunsCard jobId={job.id} />
          <JobSchedulesCard jobId={job.id} />
          {panels?.(job.id)}
        </div>
      </div>
    </>
  );
}

/** /jobs/:jobId — what the job does, its recent runs and schedules, and the Execute button;
 * `panels` adds other features' cards to the side column (the app layer composes them). */
export function JobDetailPage({ panels }: { panels?: (jobId: number) => React.ReactNode } = {}) {
  const jobId = Number(useParams().jobId);
  const job = useJob(jobId);
  if (job.isPending) {
    return (
      <div className="flex flex-col gap-6" aria-busy="true">
        <Skeleton className="h-8 w-64" />
        <Skeleton className="h-40 w-full" />
        <Skeleton className="h-64 w-full" />
      </div>
    );
  }
  if (job.isError) {
    return <ErrorMessage title="Could not load the job" error={job.error} onRetry={() => void job.refetch()} />;
  }
  return <JobDetail job={job.data} panels={panels} />;
}
