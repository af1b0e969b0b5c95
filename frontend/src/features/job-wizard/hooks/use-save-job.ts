import { useNavigate } from "react-router";
import { toast } from "sonner";

import { toApiError } from "@/lib/api-client";
import { useCreateJob } from "@/lib/requests/create-job";
import { useExecuteJob } from "@/lib/requests/execute-job";
import { useUpdateJob } from "@/lib/requests/update-job";
import type { JobCreate, JobRead } from "@/types/api";

/**
 * A wizard's last step: create (or, editing `job`, update) the job and, when asked, execute it,
 * then open the run's page (or the job's, when it could not start). A refused save stays on the
 * wizard: `error` is shown above its buttons.
 */
export function useSaveJob(job: JobRead | undefined) {
  const navigate = useNavigate();
  const createJob = useCreateJob();
  const updateJob = useUpdateJob(job?.id ?? 0);
  const saveJob = job ? updateJob : createJob;
  const executeJob = useExecuteJob();
  const done = job ? "saved" : "created";

  const save = async (body: JobCreate, execute: boolean) => {
    const saved = await saveJob.mutateAsync(body).catch(() => null);
    if (!saved) return;
    if (!execute) {
      toast.success(`Job “${saved.name}” ${done}`);
      void navigate(`/jobs/${saved.id}`);
      return;
    }
    try {
      const run = await executeJob.mutateAsync(saved.id);
      toast.success(`Job “${saved.name}” ${done} and started`);
      void navigate(`/runs/${run.id}`);
    } catch (error) {
      toast.error(`Job “${saved.name}” was ${done} but could not start: ${toApiError(error).message}`);
      void navigate(`/jobs/${saved.id}`);
    }
  };

  return {
    save,
    done,
    error: saveJob.isError ? saveJob.error : null,
    busy: saveJob.isPending || executeJob.isPending,
  };
}
