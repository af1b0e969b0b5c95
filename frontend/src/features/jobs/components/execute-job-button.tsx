import { PlayIcon } from "lucide-react";
import { useNavigate } from "react-router";
import { toast } from "sonner";

import { Button, type ButtonProps } from "@/components/ui/button";
import { toApiError } from "@/lib/api-client";
import { useExecuteJob } from "@/lib/requests/execute-job";

/** Runs the job now and opens the run's live progress. */
export function ExecuteJobButton({
  jobId,
  jobName,
  label = "Execute",
  ...props
}: { jobId: number; jobName: string; label?: string } & Omit<ButtonProps, "onClick">) {
  const navigate = useNavigate();
  const execute = useExecuteJob();
  return (
    <Button
      aria-label={label === "Execute" ? `Execute ${jobName}` : undefined}
      disabled={execute.isPending}
      onClick={() =>
        execute.mutate(jobId, {
          onSuccess: (run) => void navigate(`/runs/${run.id}`),
          onError: (error) => toast.error(`Could not start ${jobName}`, { description: toApiError(error).message }),
        })
      }
      {...props}
    >
      <PlayIcon />
      {execute.isPending ? "Starting…" : label}
    </Button>
  );
}
