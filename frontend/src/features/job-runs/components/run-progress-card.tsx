import { RadioIcon, WifiOffIcon } from "lucide-react";

import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Progress } from "@/components/ui/progress";
import { RunStatusBadge } from "@/components/ui/run-status-badge";
import type { StreamState } from "@/features/job-runs/hooks/use-job-run-stream";
import { formatRate, isActive } from "@/features/job-runs/utils/run-figures";
import { formatBytes, formatDuration, formatNumber } from "@/lib/format";
import type { JobRunRead } from "@/types/api";

function Figure({ label, value, hint }: { label: string; value: string; hint?: string }) {
  return (
    <div className="min-w-0">
      <dt className="text-xs font-medium text-muted-foreground">{label}</dt>
      <dd className="truncate text-lg font-semibold tabular-nums" title={hint}>
        {value}
      </dd>
    </div>
  );
}

function StreamIndicator({ state }: { state: StreamState }) {
  if (state === "live") {
    return (
      <span className="inline-flex items-center gap-1 text-xs text-emerald-700 dark:text-emerald-400">
        <RadioIcon className="size-3.5 animate-pulse" aria-hidden />
        Live
      </span>
    );
  }
  if (state === "reconnecting" || state === "failed" || state === "connecting") {
    return (
      <span className="inline-flex items-center gap-1 text-xs text-muted-foreground">
        <WifiOffIcon className="size-3.5" aria-hidden />
        {state === "failed" ? "Live updates stopped; reload to retry" : state === "connecting" ? "Connecting…" : "Reconnecting…"}
      </span>
    );
  }
  return null;
}

/** The run's counters: what was read, staged (while it runs) or loaded (committed), rejected, how fast,
 * and how long is left. */
export function RunProgressCard({ run, streamState }: { run: JobRunRead; streamState: StreamState }) {
  const active = isActive(run.status);
  const percent = Math.round(run.progress_percent);
  return (
    <Card>
      <CardHeader className="flex flex-row flex-wrap items-center justify-between gap-2">
        <CardTitle className="flex items-center gap-2">
          Progress <RunStatusBadge status={run.status} />
        </CardTitle>
        <div role="status" aria-live="polite">
          {active && <StreamIndicator state={streamState} />}
        </div>
      </CardHeader>
      <CardContent className="flex flex-col gap-5">
        <div className="flex items-center gap-3">
          <Progress value={percent} aria-label="Load progress" className="h-3" />
          <span className="w-12 text-right text-sm font-medium tabular-nums">{percent}%</span>
        </div>
        <dl className="grid grid-cols-2 gap-4 sm:grid-cols-3 lg:grid-cols-6">
          <Figure label="Rows read" value={formatNumber(run.rows_read)} />
          {active ? (
            <Figure
              label="Rows staged"
              value={formatNumber(run.rows_staged)}
              hint="Written to the run's staging table; loaded into the target when the run commits"
            />
          ) : (
            <Figure label="Rows loaded" value={formatNumber(run.rows_loaded)} />
          )}
          <Figure label="Rows rejected" value={formatNumber(run.rows_rejected)} />
          <Figure label="Rows per second" value={formatRate(run.rows_per_second)} />
          <Figure label={active ? "Time left" : "Duration"} value={formatDuration(active ? run.eta_seconds : run.duration_seconds)} />
          <Figure
            label="Bytes read"
            value={formatBytes(run.bytes_read)}
            hint={run.bytes_total > 0 ? `of ${formatBytes(run.bytes_total)}` : undefined}
          />
        </dl>
        {!active && run.rows_loaded === 0 && run.rows_staged > 0 && (
          <p className="text-sm text-muted-foreground">
            {formatNumber(run.rows_staged)} rows were staged, then rolled back: nothing was loaded into the target.
          </p>
        )}
        {run.rows_filtered > 0 && (
          <p className="text-sm text-muted-foreground">{formatNumber(run.rows_filtered)} rows filtered out by the job's rules.</p>
        )}
      </CardContent>
    </Card>
  );
}
