import { useQueryClient } from "@tanstack/react-query";
import * as React from "react";

import { getJobRunQueryOptions } from "@/features/job-runs/api/get-job-run";
import { getJobRunLogsQueryOptions } from "@/features/job-runs/api/get-job-run-logs";
import { apiUrl } from "@/lib/api-client";
import { queryKeys } from "@/lib/query-keys";
import { getCurrentUser } from "@/lib/requests/get-current-user";
import type { JobRunEvent, JobRunRead, JobRunTableRead } from "@/types/api";

/** `live`: events flowing; `reconnecting`: the browser is retrying (it resumes with Last-Event-ID). */
export type StreamState = "connecting" | "live" | "reconnecting" | "ended" | "failed";

/** The fields of `data` a table run has (a status event also names the worker's pid and host). */
function pick(data: Record<string, unknown>, table: JobRunTableRead): Partial<JobRunTableRead> {
  return Object.fromEntries(Object.entries(data).filter(([key]) => key in table && key !== "id"));
}

/** Fresh connections opened after the browser gave up, while the session is still valid. */
const MAX_RENEWALS = 3;

/**
 * Follows one run over server-sent events while `enabled`, writing every snapshot / progress into
 * the run's query cache and appending log events to its logs cache, so the page reads one source.
 * `onEnd` fires once with the final run when the server sends `end`.
 *
 * The server also ends the stream when the session does (logout, expiry, a deactivated user); the
 * browser's reconnect then meets 401 and gives up. The session is checked once through the API
 * client: a session that refreshes opens the stream again; one that is gone sends the page to
 * login (api-client), and the stream is not retried.
 */
export function useJobRunStream(
  runId: number,
  { enabled, onEnd }: { enabled: boolean; onEnd?: (run: JobRunRead) => void },
): StreamState {
  const queryClient = useQueryClient();
  const [state, setState] = React.useState<StreamState>("connecting");
  const [connection, setConnection] = React.useState(0);
  const renewals = React.useRef(0);
  const handleEnd = React.useEffectEvent((run: JobRunRead) => onEnd?.(run));
  const renewOrFail = React.useEffectEvent(() => {
    getCurrentUser().then(
      () => {
        if (renewals.current >= MAX_RENEWALS) {
          setState("failed");
          return;
        }
        renewals.current += 1;
        setState("reconnecting");
        setConnection((n) => n + 1);
      },
      // No session any more: the API client is on its way to the login page.
      () => setState("failed"),
    );
  });

  React.useEffect(() => {
    if (!enabled) return;
    const runKey = getJobRunQueryOptions(runId).queryKey;
    const logsKey = getJobRunLogsQueryOptions(runId).queryKey;
    const source = new EventSource(apiUrl(`/job-runs/${runId}/stream`));

    const writeRun = (event: Event): JobRunRead => {
      const run = JSON.parse((event as MessageEvent<string>).data) as JobRunRead;
      queryClient.setQueryData(runKey, run);
      return run;
    };
    // A many-table run's `table` event (an event row): that table's counters or status in `data`,
    // merged at once; the `progress` that follows carries the run with every table as recorded.
    const writeTable = (event: Event) => {
      const row = JSON.parse((event as MessageEvent<string>).data) as JobRunEvent;
      const data = row.data ?? {};
      queryClient.setQueryData(runKey, (run: JobRunRead | undefined) =>
        run === undefined
          ? run
          : {
              ...run,
              tables: run.tables.map((table) =>
                table.id === row.job_run_table_id ? { ...table, ...pick(data, table) } : table,
              ),
            },
      );
    };
    const appendLog = (event: Event) => {
      const log = JSON.parse((event as MessageEvent<string>).data) as JobRunEvent;
      // Logs not loaded yet: their first fetch returns this event too.
      queryClient.setQueryData(logsKey, (logs) =>
        logs === undefined || logs.some((known) => known.id === log.id) ? logs : [...logs, log],
      );
    };
    const end = (event: Event) => {
      source.close();
      const run = writeRun(event);
      setState("ended");
      // Counters in lists, the logs written at the very end and the rejected rows are final now.
      void queryClient.invalidateQueries({ queryKey: logsKey });
      void queryClient.invalidateQueries({ queryKey: queryKeys.runs.rejectedRows(runId) });
      void queryClient.invalidateQueries({ queryKey: queryKeys.runs.list() });
      void queryClient.invalidateQueries({ queryKey: queryKeys.dashboard() });
      handleEnd(run);
    };

    source.addEventListener("open", () => {
      renewals.current = 0;
      setState("live");
    });
    source.addEventListener("snapshot", (event) => {
      writeRun(event);
      setState("live");
    });
    source.addEventListener("progress", writeRun);
    source.addEventListener("table", writeTable);
    source.addEventListener("log", appendLog);
    source.addEventListener("end", end);
    source.addEventListener("error", () => {
      // CONNECTING: the browser retries by itself. CLOSED: it gave up (a 401 after the session
      // ended, the run vanished): ask the API whether the session lives before trying again.
      if (source.readyState !== EventSource.CLOSED) {
        setState("reconnecting");
        return;
      }
      renewOrFail();
    });
    return () => source.close();
  }, [enabled, runId, queryClient, connection]);

  return enabled ? state : "ended";
}
