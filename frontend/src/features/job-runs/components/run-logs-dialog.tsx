import { ScrollTextIcon } from "lucide-react";

import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { RunLogs } from "@/features/job-runs/components/run-logs";
import type { JobRunRead } from "@/types/api";

/** The history's logs viewer: the run's log in a dialog, loaded when opened. */
export function RunLogsDialog({ run }: { run: JobRunRead }) {
  return (
    <Dialog>
      <DialogTrigger asChild>
        <Button variant="ghost" size="sm" aria-label={`Logs of run #${run.id}`}>
          <ScrollTextIcon />
          <span className="hidden lg:inline">Logs</span>
        </Button>
      </DialogTrigger>
      <DialogContent className="sm:max-w-3xl">
        <DialogHeader>
          <DialogTitle>Logs of run #{run.id}</DialogTitle>
          <DialogDescription>{run.job_name}</DialogDescription>
        </DialogHeader>
        <RunLogs runId={run.id} />
      </DialogContent>
    </Dialog>
  );
}
