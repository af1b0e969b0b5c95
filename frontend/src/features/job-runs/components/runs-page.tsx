import { HistoryIcon, RefreshCwIcon } from "lucide-react";
import { Link, useSearchParams } from "react-router";

import { Button } from "@/components/ui/button";
import { Card, CardContent } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorMessage } from "@/components/ui/error-message";
import { Label } from "@/components/ui/label";
import { PageHeader } from "@/components/ui/page-header";
import { runStatusLabel } from "@/components/ui/run-status-badge";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Skeleton } from "@/components/ui/skeleton";
import { useJobRuns } from "@/features/job-runs/api/get-job-runs";
import { RunsTable } from "@/features/job-runs/components/runs-table";
import { isActive } from "@/features/job-runs/utils/run-figures";
import { formatNumber } from "@/lib/format";
import { useJobChoices } from "@/lib/requests/get-job-choices";
import type { JobRunListParams, JobRunStatus } from "@/types/api";

const PAGE_SIZE = 25;
const ALL = "all";
const STATUSES: JobRunStatus[] = ["PENDING", "RUNNING", "COMPLETED", "COMPLETED_WITH_REJECTS", "FAILED", "CANCELLED"];

function readFilters(search: URLSearchParams): JobRunListParams {
  const jobId = Number(search.get("job_id"));
  const status = search.get("status") as JobRunStatus | null;
  const offset = Number(search.get("offset"));
  return {
    job_id: Number.isInteger(jobId) && jobId > 0 ? jobId : undefined,
    status: status && STATUSES.includes(status) ? status : undefined,
    offset: Number.isInteger(offset) && offset > 0 ? offset : 0,
    limit: PAGE_SIZE,
  };
}

function Filters({ filters, onChange }: { filters: JobRunListParams; onChange: (name: string, value: string) => void }) {
  const jobs = useJobChoices();
  return (
    <div className="flex w-full flex-wrap items-end gap-4 sm:w-auto">
      <div className="flex w-full flex-col gap-1.5 sm:w-64">
        <Label htmlFor="runs-job-filter">Job</Label>
        <Select value={filters.job_id ? String(filters.job_id) : ALL} onValueChange={(v) => onChange("job_id", v)}>
          <SelectTrigger id="runs-job-filter">
            <SelectValue />
          </SelectTrigger>
          <SelectContent>
            <SelectItem value={ALL}>All jobs</SelectItem>
            {jobs.data?.items.map((job) => (
              <SelectItem key={job.id} value={String(job.id)}>
                {job.name}
              </SelectItem>
            ))}
            {/* A job linked by id before the list has loaded still shows its filter. */}
            {filters.job_id && !jobs.data?.items.some((job) => job.id === filters.job_id) && (
              <SelectItem value={String(filters.job_id)}>Job #{filters.job_id}</SelectItem>
            )}
          </SelectContent>
        </Select>
      </div>
      <div className="flex w-full flex-col gap-1.5 sm:w-56">
        <Label htmlFor="runs-status-filter">Status</Label>
        <Select value={filters.status ?? ALL} onValueChange={(v) => onChange("status", v)}>
          <SelectTrigger id="runs-status-filter">
            <SelectValue />
          </SelectTrigger>
          <SelectContent>
            <SelectItem value={ALL}>All statuses</SelectItem>
            {STATUSES.map((status) => (
              <SelectItem key={status} value={status}>
                {runStatusLabel(status)}
              </SelectItem>
            ))}
          </SelectContent>
        </Select>
      </div>
    </div>
  );
}

/** /runs — every run, filtered by job and status, refreshing itself while runs are active. */
export function RunsPage() {
  const [search, setSearch] = useSearchParams();
  const filters = readFilters(search);
  const runs = useJobRuns(filters);
  const offset = filters.offset ?? 0;

  const setFilter = (name: string, value: string) => {
    setSearch((current) => {
      const next = new URLSearchParams(current);
      if (value === ALL) next.delete(name);
      else next.set(name, value);
      next.delete("offset");
      return next;
    });
  };
  const setOffset = (value: number) =>
    setSearch((current) => {
      const next = new URLSearchParams(current);
      if (value > 0) next.set("offset", String(value));
      else next.delete("offset");
      return next;
    });

  const filtered = filters.job_id !== undefined || filters.status !== undefined;
  const anyActive = runs.data?.items.some((run) => isActive(run.status)) ?? false;

  return (
    <>
      <PageHeader title="Run history" description="Every load, newest first. Open a run for its live progress and rejected rows." />
      <Card>
        <CardContent className="flex flex-col gap-4">
          <div className="flex flex-wrap items-end justify-between gap-4">
            <Filters filters={filters} onChange={setFilter} />
            <div className="flex items-center gap-3 text-sm text-muted-foreground">
              {anyActive && (
                <span className="inline-flex items-center gap-1" role="status">
                  <RefreshCwIcon className="size-3.5 animate-spin [animation-duration:3s]" aria-hidden />
                  Refreshing while runs are active
                </span>
              )}
            </div>
          </div>

          {runs.isPending ? (
            <div className="flex flex-col gap-2" aria-busy="true">
              {Array.from({ length: 5 }, (_, i) => (
                <Skeleton key={i} className="h-10 w-full" />
              ))}
            </div>
          ) : runs.isError ? (
            <ErrorMessage title="Could not load the run history" error={runs.error} onRetry={() => void runs.refetch()} />
          ) : runs.data.items.length === 0 ? (
            <EmptyState
              icon={<HistoryIcon />}
              title={filtered ? "No runs match these filters" : "No runs yet"}
              description={
                filtered ? "Try another job or status." : "Runs appear here when a job is executed or a schedule fires."
              }
              action={
                filtered ? (
                  <Button variant="outline" onClick={() => setSearch(new URLSearchParams())}>
                    Clear filters
                  </Button>
                ) : (
                  <Button asChild>
                    <Link to="/jobs">Go to jobs</Link>
                  </Button>
                )
              }
            />
          ) : (
            <>
              <RunsTable runs={runs.data.items} />
              <div className="flex flex-wrap items-center justify-between gap-2 text-sm text-muted-foreground">
                <span>
                  {formatNumber(offset + 1)}–{formatNumber(offset + runs.data.items.length)} of{" "}
                  {formatNumber(runs.data.total)}
                </span>
                <div className="flex gap-2">
                  <Button variant="outline" size="sm" disabled={offset === 0} onClick={() => setOffset(offset - PAGE_SIZE)}>
                    Previous
                  </Button>
                  <Button
                    variant="outline"
                    size="sm"
                    disabled={offset + runs.data.items.length >= runs.data.total}
                    onClick={() => setOffset(offset + PAGE_SIZE)}
                  >
                    Next
                  </Button>
                </div>
              </div>
            </>
          )}
        </CardContent>
      </Card>
    </>
  );
}
