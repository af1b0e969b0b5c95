import { FileUpIcon } from "lucide-react";
import type { ComponentType } from "react";
import { Link, useSearchParams } from "react-router";

import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorMessage } from "@/components/ui/error-message";
import { PageHeader } from "@/components/ui/page-header";
import { Skeleton } from "@/components/ui/skeleton";
import type { RenderNewCredential } from "@/features/job-wizard/components/destination-step";
import { JobWizard } from "@/features/job-wizard/components/job-wizard";
import type { MappingEditorProps } from "@/lib/mapping-rows";
import { useFile } from "@/lib/requests/get-file";
import { useJob } from "@/lib/requests/get-job";

type Composed = {
  /** The app layer's "new connection" control (the credentials feature's form). */
  renderNewCredential?: RenderNewCredential;
  /** The app layer's mapping editor (the column-mapping feature). */
  mappingEditor: ComponentType<MappingEditorProps>;
};

/** /jobs/new?fileId=… — a job always starts from an uploaded file. */
export function JobWizardPage({ renderNewCredential, mappingEditor }: Composed) {
  const [searchParams] = useSearchParams();
  const fileId = searchParams.get("fileId");
  const file = useFile(fileId);

  return (
    <div className="flex flex-col gap-2">
      <PageHeader
        title="New job"
        description={file.data ? `From ${file.data.filename}` : "Load an uploaded file into a destination table."}
      />
      {!fileId && (
        <EmptyState
          icon={<FileUpIcon />}
          title="Upload a file first"
          description="A job loads an uploaded CSV file. Upload one, check its preview, then create the job from there."
          action={
            <Button asChild>
              <Link to="/upload">Upload a CSV</Link>
            </Button>
          }
        />
      )}
      {fileId && file.isPending && <Skeleton className="h-96" aria-label="Loading the file" />}
      {fileId && file.isError && (
        <ErrorMessage error={file.error} title="Could not load the file for this job" onRetry={() => void file.refetch()} />
      )}
      {file.data && (
        <JobWizard key={file.data.id} file={file.data} renderNewCredential={renderNewCredential} mappingEditor={mappingEditor} />
      )}
    </div>
  );
}

/** /jobs/:jobId/edit — the wizard on the job's saved values; saving replaces them (PUT). */
export function EditJobPage({ jobId, renderNewCredential, mappingEditor }: Composed & { jobId: number }) {
  const job = useJob(jobId);
  const file = useFile(job.data?.file_id ?? null);
  const error = job.error ?? file.error;

  return (
    <div className="flex flex-col gap-2">
      <PageHeader
        title={job.data ? `Edit ${job.data.name}` : "Edit job"}
        description={file.data ? `From ${file.data.filename}` : undefined}
      />
      {error && (
        <ErrorMessage
          error={error}
          title="Could not load the job"
          onRetry={() => void (job.isError ? job.refetch() : file.refetch())}
        />
      )}
      {!error && !(job.data && file.data) && <Skeleton className="h-96" aria-label="Loading the job" />}
      {job.data && file.data && (
        <JobWizard
          key={`${job.data.id}:${job.data.updated_at}`}
          file={file.data}
          job={job.data}
          renderNewCredential={renderNewCredential}
          mappingEditor={mappingEditor}
        />
      )}
    </div>
  );
}
