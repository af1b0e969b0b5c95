import { CheckIcon, CopyIcon } from "lucide-react";
import * as React from "react";

import { Badge, type BadgeProps } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { ErrorMessage } from "@/components/ui/error-message";
import { Skeleton } from "@/components/ui/skeleton";
import { useJobRunLogs } from "@/features/job-runs/api/get-job-run-logs";
import { logDetails, logLine } from "@/features/job-runs/utils/log-lines";
import { cn } from "@/lib/utils";
import type { JobRunEvent } from "@/types/api";

const LEVEL_VARIANT: Record<string, BadgeProps["variant"]> = {
  debug: "outline",
  info: "secondary",
  warning: "warning",
  error: "destructive",
  critical: "destructive",
};

function time(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleTimeString([], { hour12: false });
}

function CopyLogsButton({ events }: { events: JobRunEvent[] }) {
  const [copied, setCopied] = React.useState(false);
  React.useEffect(() => {
    if (!copied) return;
    const timer = window.setTimeout(() => setCopied(false), 2000);
    return () => window.clearTimeout(timer);
  }, [copied]);
  return (
    <Button
      variant="outline"
      size="sm"
      disabled={events.length === 0}
      onClick={() => {
        void navigator.clipboard.writeText(events.map(logLine).join("\n")).then(() => setCopied(true));
      }}
    >
      {copied ? <CheckIcon /> : <CopyIcon />}
      {copied ? "Copied" : "Copy logs"}
    </Button>
  );
}

/** The run's event log; grows live when the run page's stream appends to the same cache entry.
 * `actions` go beside "Copy logs" (the run page's link to the Airflow task log). */
export function RunLogs({ runId, className, actions }: { runId: number; className?: string; actions?: React.ReactNode }) {
  const logs = useJobRunLogs(runId);
  const listRef = React.useRef<HTMLOListElement>(null);
  const count = logs.data?.length ?? 0;

  // Follow new lines unless the reader scrolled up to read older ones.
  React.useEffect(() => {
    const list = listRef.current;
    if (!list) return;
    const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
    if (nearBottom) list.scrollTop = list.scrollHeight;
  }, [count]);

  if (logs.isPending) {
    return (
      <div className="space-y-2" aria-busy="true">
        <Skeleton className="h-4 w-3/4" />
        <Skeleton className="h-4 w-1/2" />
        <Skeleton className="h-4 w-2/3" />
      </div>
    );
  }
  if (logs.isError) {
    return <ErrorMessage title="Could not load the logs" error={logs.error} onRetry={() => void logs.refetch()} />;
  }

  return (
    <div className={cn("flex flex-col gap-2", className)}>
      <div className="flex items-center justify-between gap-2">
        <p className="text-sm text-muted-foreground">
          {count === 0 ? "No log entries yet." : `${count} ${count === 1 ? "entry" : "entries"}`}
        </p>
        <div className="flex flex-wrap items-center gap-2">
          {actions}
          <CopyLogsButton events={logs.data} />
        </div>
      </div>
      {count > 0 && (
        <ol
          ref={listRef}
          aria-label="Run logs"
          tabIndex={0}
          className="max-h-96 overflow-auto rounded-md border bg-muted/40 p-2 font-mono text-xs outline-none focus-visible:ring-2 focus-visible:ring-ring"
        >
          {logs.data.map((event) => (
            <li key={event.id} className="flex flex-wrap items-baseline gap-x-2 py-0.5">
              <time dateTime={event.created_at} className="text-muted-foreground">
                {time(event.created_at)}
              </time>
              <Badge variant={LEVEL_VARIANT[event.level.toLowerCase()] ?? "outline"} className="px-1 py-0 text-[10px] uppercase">
                {event.level}
              </Badge>
              <span className="font-medium">{event.message}</span>
              {event.data && <span className="break-all text-muted-foreground">{logDetails(event.data)}</span>}
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
