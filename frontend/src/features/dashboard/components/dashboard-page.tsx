import { ActivityIcon, ExternalLinkIcon, UploadIcon } from "lucide-react";
import * as React from "react";
import { Link } from "react-router";

import { RoleGate } from "@/components/role-gate";
import { Button } from "@/components/ui/button";
import { Card, CardAction, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { ErrorMessage } from "@/components/ui/error-message";
import { PageHeader } from "@/components/ui/page-header";
import { Progress } from "@/components/ui/progress";
import { RunStatusBadge } from "@/components/ui/run-status-badge";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { useDashboard } from "@/features/dashboard/api/get-dashboard";
import { formatDateTime, formatDuration, formatNumber } from "@/lib/format";
import { useConfig } from "@/lib/requests/get-config";
import { cn } from "@/lib/utils";
import type { Dashboard, JobRunRead, JobRunStatus } from "@/types/api";

// Recharts is the heaviest thing on the page; load it after the numbers are on screen.
const RowsPerDayChart = React.lazy(async () => ({
  default: (await import("@/features/dashboard/components/rows-per-day-chart")).RowsPerDayChart,
}));

const TILES: { label: string; statuses: JobRunStatus[]; link: JobRunStatus; tone: string }[] = [
  { label: "Running", statuses: ["RUNNING", "PENDING"], link: "RUNNING", tone: "text-sky-700 dark:text-sky-300" },
  { label: "Completed", statuses: ["COMPLETED"], link: "COMPLETED", tone: "text-emerald-700 dark:text-emerald-300" },
  { label: "With rejects", statuses: ["COMPLETED_WITH_REJECTS"], link: "COMPLETED_WITH_REJECTS", tone: "text-amber-700 dark:text-amber-300" },
  { label: "Failed", statuses: ["FAILED"], link: "FAILED", tone: "text-destructive" },
  { label: "Cancelled", statuses: ["CANCELLED"], link: "CANCELLED", tone: "text-muted-foreground" },
];

function StatusTiles({ counts }: { counts: Dashboard["counts_by_status"] }) {
  return (
    <ul className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-5" aria-label="Runs by status">
      {TILES.map((tile) => {
        const count = tile.statuses.reduce((sum, status) => sum + (counts[status] ?? 0), 0);
        return (
          <li key={tile.label}>
            <Link
              to={`/runs?status=${tile.link}`}
              className="flex flex-col gap-1 rounded-xl border bg-card p-4 shadow-sm transition-colors outline-none hover:bg-accent focus-visible:ring-2 focus-visible:ring-ring"
            >
              <span className="text-sm text-muted-foreground">{tile.label}</span>
              <span className={cn("text-2xl font-semibold tabular-nums", tile.tone)}>{formatNumber(count)}</span>
            </Link>
          </li>
        );
      })}
    </ul>
  );
}

function RunningNow({ runs }: { runs: JobRunRead[] }) {
  return (
    <Card>
      <CardHeader>
        <CardTitle>Running now</CardTitle>
        <CardDescription>{runs.length === 0 ? "Nothing is loading." : `${runs.length} active`}</CardDescription>
      </CardHeader>
      <CardContent>
        {runs.length === 0 ? (
          <div className="flex flex-col items-center gap-2 py-6 text-center text-sm text-muted-foreground">
            <ActivityIcon className="size-6" aria-hidden />
            Runs appear here while they load.
          </div>
        ) : (
          <ul className="flex flex-col gap-4" aria-label="Running now">
            {runs.map((run) => (
              <li key={run.id} className="flex flex-col gap-1.5">
                <div className="flex items-center justify-between gap-2 text-sm">
                  <Link to={`/runs/${run.id}`} className="truncate font-medium text-primary hover:underline">
                    {run.job_name} #{run.id}
                  </Link>
                  <RunStatusBadge status={run.status} />
                </div>
                <Progress value={run.progress_percent} aria-label={`${run.job_name} #${run.id} progress`} />
                <span className="text-xs text-muted-foreground tabular-nums">
                  {formatNumber(run.rows_loaded)} rows loaded
                  {run.eta_seconds != null && ` · ${formatDuration(run.eta_seconds)} left`}
                </span>
              </li>
            ))}
          </ul>
        )}
      </CardContent>
    </Card>
  );
}

function RecentRuns({ runs }: { runs: JobRunRead[] }) {
  return (
    <Card>
      <CardHeader className="flex-row items-center">
        <CardTitle>Recent runs</CardTitle>
        <CardAction>
          <Button variant="link" size="sm" asChild className="h-auto p-0">
            <Link to="/runs">Run history</Link>
          </Button>
        </CardAction>
      </CardHeader>
      <CardContent>
        {runs.length === 0 ? (
          <p className="py-4 text-sm text-muted-foreground">
            No runs yet.{" "}
            <RoleGate role="operator">
              <Link to="/upload" className="text-primary hover:underline">
                Upload a CSV
              </Link>{" "}
              to create your first job.
            </RoleGate>
          </p>
        ) : (
          <Table>
            <TableHeader>
              <TableRow>
                <TableHead>Run</TableHead>
                <TableHead>Job</TableHead>
                <TableHead>Status</TableHead>
                <TableHead className="hidden md:table-cell">Started</TableHead>
                <TableHead className="hidden sm:table-cell">Duration</TableHead>
                <TableHead className="text-right">Rows loaded</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {runs.map((run) => (
                <TableRow key={run.id}>
                  <TableCell>
                    <Link to={`/runs/${run.id}`} className="font-medium text-primary hover:underline">
                      #{run.id}
                    </Link>
                  </TableCell>
                  <TableCell className="max-w-48 truncate">{run.job_name}</TableCell>
                  <TableCell>
                    <RunStatusBadge status={run.status} />
                  </TableCell>
                  <TableCell className="hidden whitespace-nowrap md:table-cell">
                    {formatDateTime(run.started_at ?? run.created_at)}
                  </TableCell>
                  <TableCell className="hidden tabular-nums sm:table-cell">{formatDuration(run.duration_seconds)}</TableCell>
                  <TableCell className="text-right tabular-nums">{formatNumber(run.rows_loaded)}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </CardContent>
    </Card>
  );
}

function AirflowLink() {
  const config = useConfig();
  if (!config.data) return null;
  return (
    <Button variant="outline" asChild>
      <a href={config.data.airflow_ui_url} target="_blank" rel="noreferrer">
        <ExternalLinkIcon />
        Airflow UI
      </a>
    </Button>
  );
}

/** / — how loads are going: counts by status, what runs now, rows per day, the latest runs. */
export function DashboardPage() {
  const dashboard = useDashboard();
  return (
    <>
      <PageHeader
        title="Dashboard"
        description="Loads across every job, refreshed while runs are active."
        actions={
          <>
            <AirflowLink />
            <RoleGate role="operator">
              <Button asChild>
                <Link to="/upload">
                  <UploadIcon />
                  Upload CSV
                </Link>
              </Button>
            </RoleGate>
          </>
        }
      />
      {dashboard.isPending ? (
        <div className="flex flex-col gap-6" aria-busy="true">
          <div className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-5">
            {TILES.map((tile) => (
              <Skeleton key={tile.label} className="h-20" />
            ))}
          </div>
          <Skeleton className="h-72 w-full" />
        </div>
      ) : dashboard.isError ? (
        <ErrorMessage title="Could not load the dashboard" error={dashboard.error} onRetry={() => void dashboard.refetch()} />
      ) : (
        <div className="flex flex-col gap-6">
          <StatusTiles counts={dashboard.data.counts_by_status} />
          <div className="grid gap-6 lg:grid-cols-3">
            <Card className="min-w-0 lg:col-span-2">
              <CardHeader>
                <CardTitle>Rows loaded per day</CardTitle>
              </CardHeader>
              <CardContent>
                <React.Suspense fallback={<Skeleton className="h-56 w-full" />}>
                  <RowsPerDayChart data={dashboard.data.rows_per_day} />
                </React.Suspense>
              </CardContent>
            </Card>
            <RunningNow runs={dashboard.data.running} />
          </div>
          <RecentRuns runs={dashboard.data.recent_runs} />
        </div>
      )}
    </>
  );
}
