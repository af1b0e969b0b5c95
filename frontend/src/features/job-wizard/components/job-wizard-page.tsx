import { FileUpIcon } from "lucide-react";
import { Link, useSearchParams } from "react-router";

import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorMessage } from "@/components/ui/error-message";
import { PageHeader } from "@/components/ui/page-header";
import { Skeleton } from "@/components/ui/skeleton";
import type { RenderNewCredential } from "@/features/job-wizard/components/destination-step";
import { JobWizard } from "@/features/job-wizard/components/job-wizard";
import { useFile } from "@/lib/requests/get-file";

/** /jobs/new?fileId=… — a job always starts from an uploaded file.
 * `renderNewCredential` is the app layer's "new connection" control (the credentials feature's form). */
export function JobWizardPage({ renderNewCredential }: { renderNewCredential?: RenderNewCredential }) {
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
      {file.data && <JobWizard key={file.data.id} file={file.data} renderNewCredential={renderNewCredential} />}
    </div>
  );
}
