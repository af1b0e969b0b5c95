import { FileUpIcon } from "lucide-react";
import * as React from "react";
import { toast } from "sonner";

import { Button } from "@/components/ui/button";
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
  DialogTrigger,
} from "@/components/ui/dialog";
import { ErrorMessage } from "@/components/ui/error-message";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { mappingsOf } from "@/features/jobs/api/clone-job";
import { useDeleteFile } from "@/lib/requests/delete-file";
import { useUpdateJob } from "@/lib/requests/update-job";
import { useUploadFile } from "@/lib/requests/upload-file";
import type { JobRead } from "@/types/api";

/**
 * A newer export of the same file: upload it and point the job at it, keeping the job's mapping.
 * The server checks the mapping against the new file's columns and says (422) what no longer fits.
 */
export function ReplaceFileDialog({ job }: { job: JobRead }) {
  const [open, setOpen] = React.useState(false);
  const [picked, setPicked] = React.useState<File | null>(null);
  const upload = useUploadFile();
  const update = useUpdateJob(job.id);
  const discard = useDeleteFile();
  const busy = upload.isPending || update.isPending;
  const error = upload.error ?? update.error;

  function reset(next: boolean) {
    setOpen(next);
    if (!next) {
      setPicked(null);
      upload.reset();
      update.reset();
    }
  }

  async function replace() {
    if (!picked) return;
    update.reset();
    const file = await upload.mutateAsync({ file: picked }).catch(() => null);
    if (!file) return;
    // Mappings sent as they are: without them the server would re-map the job from the new file.
    const saved = await update.mutateAsync({ file_id: file.id, mappings: mappingsOf(job) }).catch(() => null);
    if (!saved) {
      // The refused upload is nobody's file: remove it rather than leave it in the uploads list.
      discard.mutate(file.id);
      return;
    }
    toast.success(`${job.name} now loads ${file.filename}`);
    reset(false);
  }

  return (
    <Dialog open={open} onOpenChange={reset}>
      <DialogTrigger asChild>
        <Button variant="outline" data-testid="replace-file-button">
          <FileUpIcon />
          Replace file
        </Button>
      </DialogTrigger>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>Replace the file of {job.name}</DialogTitle>
          <DialogDescription>
            Upload a newer file with the same columns. The job keeps its mapping; if the new file does not fit it, nothing
            changes and the problems are listed here.
          </DialogDescription>
        </DialogHeader>
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="replacement-file">New file</Label>
          <Input
            id="replacement-file"
            type="file"
            accept=".csv,.tsv,.txt,.gz,text/csv"
            data-testid="replacement-file-input"
            onChange={(event) => {
              setPicked(event.target.files?.[0] ?? null);
              upload.reset();
              update.reset();
            }}
          />
        </div>
        {error && (
          <ErrorMessage
            error={error}
            title={upload.isError ? "The file could not be uploaded" : "The new file does not fit the job's mapping"}
          />
        )}
        <DialogFooter>
          <Button variant="outline" onClick={() => reset(false)}>
            Cancel
          </Button>
          <Button onClick={() => void replace()} disabled={!picked || busy} data-testid="replace-file-submit">
            {upload.isPending ? "Uploading…" : update.isPending ? "Checking…" : "Replace file"}
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
