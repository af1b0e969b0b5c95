import { RotateCcwIcon } from "lucide-react";
import { useNavigate } from "react-router";
import { toast } from "sonner";

import { Button } from "@/components/ui/button";
import { useRetryFailedTables } from "@/features/job-runs/api/retry-failed-tables";
import { unfinishedTables } from "@/features/job-runs/utils/table-runs";
import { toApiError } from "@/lib/api-client";
import type { JobRunRead } from "@/types/api";

/** A new run of the job with only the tables that did not complete (operators; shown when some did not). */
export function RetryFailedTablesButton({ run }: { run: JobRunRead }) {
  const navigate = useNavigate();
  const retry = useRetryFailedTables();
  const count = unfinishedTables(run).length;
  if (count === 0) return null;
  return (
    <Button
      variant="outline"
      disabled={retry.isPending}
      data-testid="retry-failed-tables-button"
      onClick={() =>
        retry.mutate(run.id, {
          onSuccess: (next) => {
            toast.success(`Run #${next.id} retries ${count === 1 ? "1 table" : `${count} tables`}`);
            void navigate(`/runs/${next.id}`);
          },
          onError: (error) => toast.error("Could not retry the failed tables", { description: toApiError(error).message }),
        })
      }
    >
      <RotateCcwIcon />
      {retry.isPending ? "Starting…" : `Retry failed tables (${count})`}
    </Button>
  );
}
