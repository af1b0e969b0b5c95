import { DatabaseIcon, FileUpIcon, FolderInputIcon, TerminalSquareIcon } from "lucide-react";
import type { ReactNode } from "react";
import { Link, useSearchParams } from "react-router";

import { Card, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { ErrorMessage } from "@/components/ui/error-message";
import { PageHeader } from "@/components/ui/page-header";
import { Skeleton } from "@/components/ui/skeleton";
import type { RenderNewCredential } from "@/features/job-wizard/components/destination-step";
import { DatabaseJobWizard } from "@/features/job-wizard/components/database-job-wizard";
import { JobWizard } from "@/features/job-wizard/components/job-wizard";
import type { WizardEditors } from "@/features/job-wizard/utils/composed";
import { initialDatabaseValues } from "@/features/job-wizard/utils/database-wizard-schema";
import { useFile } from "@/lib/requests/get-file";
import { useJob } from "@/lib/requests/get-job";

type Composed = {
  /** The app layer's "new connection" control (the credentials feature's form). */
  renderNewCredential?: RenderNewCredential;
} & WizardEditors;

function SourceChoice({ to, icon, title, description }: { to: string; icon: ReactNode; title: string; description: string }) {
  return (
    <Link to={to} className="rounded-xl outline-none focus-visible:ring-2 focus-visible:ring-ring" data-testid={`new-job-${title}`}>
      <Card className="h-full transition-colors hover:border-primary">
        <CardHeader>
          <CardTitle className="flex items-center gap-2 [&_svg]:size-5">
            {icon}
            {title}
          </CardTitle>
          <CardDescription>{description}</CardDescription>
        </CardHeader>
      </Card>
    </Link>
  );
}

/** What a new job reads: the four sources, each starting its own flow. */
function SourceChooser() {
  return (
    <div className="grid gap-4 md:grid-cols-2" data-testid="source-chooser">
      <SourceChoice
        to="/upload"
        icon={<FileUpIcon />}
        title="An uploaded file"
        description="Upload a CSV, check its preview, then load it into a table."
      />
      <SourceChoice
        to="/upload"
        icon={<FolderInputIcon />}
        title="Files that arrive"
        description="Upload one sample file for its columns, then pick “Files that arrive” in the wizard and give their pattern."
      />
      <SourceChoice
        to="/jobs/new?source=tables"
        icon={<DatabaseIcon />}
        title="Tables of a database"
        description="Pick one or many tables of a connection; each is loaded by its own task, in parallel."
      />
      <SourceChoice
        to="/jobs/new?source=query"
        icon={<TerminalSquareIcon />}
        title="A query"
        description="One read-only SELECT against a connection, run again by each run."
      />
    </div>
  );
}

/** The database wizard preset from the URL (the database browser's "use in a new job"). */
function databasePreset(searchParams: URLSearchParams, sourceType: "tables" | "query") {
  const credentialId = Number(searchParams.get("credentialId"));
  const schema = searchParams.get("schema");
  const table = searchParams.get("table");
  return initialDatabaseValues({
    source_type: sourceType,
    source_credential_id: credentialId > 0 ? credentialId : undefined,
    tables: table ? [{ schema, table }] : [],
    query: searchParams.get("sql") ?? "",
  });
}

/**
 * /jobs/new — pick a source; ?fileId=… the file wizard; ?source=tables|query the database wizard
 * (&credentialId=&schema=&table= or &sql= preset it).
 */
export function JobWizardPage({ renderNewCredential, mappingEditor, rowTransformsEditor }: Composed) {
  const [searchParams] = useSearchParams();
  const fileId = searchParams.get("fileId");
  const source = searchParams.get("source");
  const file = useFile(fileId);
  const editors = { mappingEditor, rowTransformsEditor };

  if (!fileId && (source === "tables" || source === "query")) {
    return (
      <div className="flex flex-col gap-2">
        <PageHeader
          title="New job"
          description={source === "tables" ? "Load tables of a database connection." : "Load the result of a query."}
        />
        <DatabaseJobWizard key={searchParams.toString()} initial={databasePreset(searchParams, source)} editors={editors} />
      </div>
    );
  }

  return (
    <div className="flex flex-col gap-2">
      <PageHeader
        title="New job"
        description={file.data ? `From ${file.data.filename}` : "What should the job read?"}
      />
      {!fileId && <SourceChooser />}
      {fileId && file.isPending && <Skeleton className="h-96" aria-label="Loading the file" />}
      {fileId && file.isError && (
        <ErrorMessage error={file.error} title="Could not load the file for this job" onRetry={() => void file.refetch()} />
      )}
      {file.data && (
        <JobWizard key={file.data.id} file={file.data} renderNewCredential={renderNewCredential} {...editors} />
      )}
    </div>
  );
}

/** /jobs/:jobId/edit — the wizard on the job's saved values; saving replaces them (PUT). */
export function EditJobPage({ jobId, renderNewCredential, mappingEditor, rowTransformsEditor }: Composed & { jobId: number }) {
  const job = useJob(jobId);
  const file = useFile(job.data?.file_id ?? null);
  const error = job.error ?? file.error;
  const editors = { mappingEditor, rowTransformsEditor };
  const database = job.data?.source_type === "tables" || job.data?.source_type === "query";

  if (job.data && database) {
    return (
      <div className="flex flex-col gap-2">
        <PageHeader title={`Edit ${job.data.name}`} description={job.data.source_label} />
        <DatabaseJobWizard
          key={`${job.data.id}:${job.data.updated_at}`}
          initial={initialDatabaseValues({ source_type: job.data.source_type === "query" ? "query" : "tables" })}
          job={job.data}
          editors={editors}
        />
      </div>
    );
  }

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
          {...editors}
        />
      )}
    </div>
  );
}
