import { AlertTriangleIcon, InfoIcon } from "lucide-react";
import { useFormContext, useWatch } from "react-hook-form";

import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { ErrorMessage } from "@/components/ui/error-message";
import { Skeleton } from "@/components/ui/skeleton";
import { useSchemas } from "@/features/job-wizard/api/get-schemas";
import { usePreviewDdl } from "@/features/job-wizard/api/preview-ddl";
import { describeLoad } from "@/features/job-wizard/utils/describe-load";
import { toJobCreate, type WizardValues } from "@/features/job-wizard/utils/wizard-schema";
import { formatNumber } from "@/lib/format";
import type { UploadedFileRead } from "@/types/api";

const STRATEGY_NAMES = { INSERT: "Insert", UPSERT: "Upsert", TRUNCATE_INSERT: "Replace (truncate + insert)", INCREMENTAL: "Incremental" };

/** Step 4: what will happen, in words and as DDL, before anything is created. */
export function ReviewStep({ file }: { file: UploadedFileRead }) {
  const { control } = useFormContext<WizardValues>();
  const values = useWatch({ control }) as WizardValues;
  const job = toJobCreate(values, file.id);
  const ddl = usePreviewDdl(job);
  const included = (job.mappings ?? []).filter((m) => m.include);
  const schemas = useSchemas(job.credential_id);
  const newSchema = schemas.data !== undefined && !schemas.data.includes(job.target_schema ?? "");
  // The heading says where an existing-table load goes; the server's note would repeat it.
  const warnings = (ddl.data?.warnings ?? []).filter((warning) => !warning.startsWith("loads into the existing table"));

  return (
    <div className="flex flex-col gap-6" data-testid="wizard-step-review">
      <dl className="grid gap-4 text-sm sm:grid-cols-2 lg:grid-cols-4">
        <div>
          <dt className="text-muted-foreground">Job</dt>
          <dd className="font-medium break-words">{job.name}</dd>
        </div>
        <div>
          <dt className="text-muted-foreground">Source</dt>
          <dd className="font-medium break-words">
            {file.filename} · ~{formatNumber(file.row_estimate)} rows
          </dd>
        </div>
        <div>
          <dt className="text-muted-foreground">Target</dt>
          <dd className="font-mono font-medium break-words">
            {job.target_schema}.{job.target_table}
            {job.create_table ? " (new)" : ""}
          </dd>
        </div>
        <div>
          <dt className="text-muted-foreground">Strategy</dt>
          <dd className="font-medium">
            {STRATEGY_NAMES[job.strategy]}
            {job.strategy === "UPSERT" && ` on ${(job.upsert_keys ?? []).join(", ")}`} · {included.length} columns
          </dd>
        </div>
      </dl>

      <Alert data-testid="load-summary">
        <InfoIcon />
        <AlertTitle>What will happen</AlertTitle>
        <AlertDescription>
          <ul className="list-disc space-y-1 pl-4">
            {describeLoad(job, file.row_estimate).map((sentence) => (
              <li key={sentence}>{sentence}</li>
            ))}
          </ul>
        </AlertDescription>
      </Alert>

      {job.create_table && newSchema && (
        <Alert data-testid="new-schema-note">
          <InfoIcon />
          <AlertDescription>
            Schema <span className="font-mono">{job.target_schema}</span> does not exist yet: the first load creates it.
          </AlertDescription>
        </Alert>
      )}

      <section aria-labelledby="ddl-heading" className="flex flex-col gap-2">
        <h3 id="ddl-heading" className="font-medium">
          {job.create_table ? "Table that will be created" : `Loads into the existing table ${job.target_schema}.${job.target_table}`}
        </h3>
        {!job.create_table && (
          <p className="text-sm text-muted-foreground" data-testid="existing-table-note">
            Nothing is created or altered: the rows go into these columns of the table.
          </p>
        )}
        {ddl.isPending && <Skeleton className="h-32" />}
        {ddl.isError && <ErrorMessage error={ddl.error} title="The server refused this job definition" onRetry={() => void ddl.refetch()} />}
        {ddl.data && (
          <>
            {warnings.length > 0 && (
              <Alert variant="warning" data-testid="ddl-warnings">
                <AlertTriangleIcon />
                <AlertTitle>Check before you create</AlertTitle>
                <AlertDescription>
                  <ul className="list-disc pl-4">
                    {warnings.map((warning) => (
                      <li key={warning}>{warning}</li>
                    ))}
                  </ul>
                </AlertDescription>
              </Alert>
            )}
            {job.create_table ? (
              <pre
                data-testid="ddl-preview"
                className="max-h-80 overflow-auto rounded-lg border bg-muted p-4 font-mono text-xs leading-relaxed whitespace-pre"
              >
                {ddl.data.ddl}
              </pre>
            ) : (
              <ul className="flex flex-wrap gap-2" data-testid="existing-table-targets">
                {included.map((mapping) => (
                  <li key={mapping.target_column} className="rounded-md border px-2 py-1 font-mono text-xs">
                    {mapping.target_column} <span className="text-muted-foreground">{mapping.target_type}</span>
                  </li>
                ))}
              </ul>
            )}
          </>
        )}
      </section>
    </div>
  );
}
