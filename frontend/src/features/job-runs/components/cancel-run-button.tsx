import { BanIcon } from "lucide-react";
import { toast } from "sonner";

import { Button, type ButtonProps } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { useCancelJobRun } from "@/features/job-runs/api/cancel-job-run";
import { toApiError } from "@/lib/api-client";
import type { JobRunRead } from "@/types/api";

/** Cancel, after a confirmation: a cancelled load is rolled back and has to be started again. */
export function CancelRunButton({
  run,
  children,
  ...props
}: { run: Pick<JobRunRead, "id" | "job_name" | "status"> } & Omit<ButtonProps, "onClick">) {
  const cancel = useCancelJobRun();
  return (
    <ConfirmDialog
      title={`Cancel run #${run.id} of ${run.job_name}?`}
      description={
        run.status === "RUNNING"
          ? "The load stops and everything this run wrote is rolled back: the table stays as it was before the run."
          : "The run will not start. Nothing has been loaded yet."
      }
      confirmLabel="Cancel run"
      cancelLabel="Keep running"
      onConfirm={() =>
        cancel.mutate(run.id, {
          onSuccess: () => toast.info(`Run #${run.id} cancelled`),
          onError: (error) => toast.error("Could not cancel the run", { description: toApiError(error).message }),
        })
      }
      trigger={
        <Button variant="outline" disabled={cancel.isPending} {...props}>
          <BanIcon />
          {children ?? "Cancel run"}
        </Button>
      }
    />
  );
}
