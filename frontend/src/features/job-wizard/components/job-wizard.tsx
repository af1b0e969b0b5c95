/*
 * The job wizard: destination → mapping → load strategy → review → Create / Create & Execute.
 * One React Hook Form (zod schema in utils/wizard-schema.ts) holds every step, so Back keeps state.
 *
 * Stable hooks for end-to-end tests (Playwright) — keep them when changing the markup:
 *   step panels        data-testid wizard-step-destination | wizard-step-mapping | wizard-step-load | wizard-step-review
 *   navigation         wizard-back, wizard-next (buttons "Back" / "Next"), wizard-step-link-1..4
 *   destination        job-name-input, credential-select (Radix Select trigger; options are role=option by
 *                      credential name), test-credential-button, connection-test-result, new-credential-button,
 *                      schema-select (its last option "New schema…" shows new-schema-input), schemas-refresh,
 *                      table-mode-new, table-mode-existing, table-name-input, existing-table-select, tables-refresh
 *   mapping            existing-table-columns, existing-column-<name> (an existing table's columns), mapping-problems,
 *                      column-mapping-editor, mapping-row-<sql_name>, mapping-include-<sql_name>,
 *                      mapping-target-<sql_name>, mapping-type-<sql_name>, mapping-transforms-<sql_name>,
 *                      add-calculated-column, auto-match-button (existing table), reset-mapping-button (new table)
 *   load               strategy-INSERT | strategy-UPSERT | strategy-TRUNCATE_INSERT, upsert-key-<column>,
 *                      reject-mode-none | -count | -percent, reject-threshold-input, batch-size-input
 *   review             load-summary, ddl-preview (new table), existing-table-targets, new-schema-note, ddl-warnings
 *   submit             create-job-button ("Create job") → /jobs/:jobId,
 *                      create-and-execute-button ("Create & execute") → /runs/:runId
 *   editing a job      save-job-button ("Save changes") → /jobs/:jobId (PUT), save-and-execute-button
 * Defaults: the built-in warehouse credential and its "main"/"public" schema are preselected, the table is
 * a new one named after the file, and every column is mapped — so Next, Next, Next, Create & execute works.
 * Editing (`job` given) starts from the job's saved values and saves with PUT /jobs/{id}.
 */
import { zodResolver } from "@hookform/resolvers/zod";
import { useQueryClient } from "@tanstack/react-query";
import { ArrowLeftIcon, ArrowRightIcon, PlayIcon, SaveIcon } from "lucide-react";
import * as React from "react";
import { FormProvider, useForm } from "react-hook-form";

import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader } from "@/components/ui/card";
import { ErrorBoundary } from "@/components/ui/error-boundary";
import { validateExpressionQueryOptions } from "@/lib/requests/validate-expression";
import { getTableSchemaQueryOptions } from "@/features/job-wizard/api/get-table-schema";
import { previewDdlQueryOptions } from "@/features/job-wizard/api/preview-ddl";
import { getTablesQueryOptions } from "@/features/job-wizard/api/get-tables";
import { DestinationStep, type RenderNewCredential } from "@/features/job-wizard/components/destination-step";
import { FileSourceSection } from "@/features/job-wizard/components/file-source-section";
import { LoadStep } from "@/features/job-wizard/components/load-step";
import { MappingStep } from "@/features/job-wizard/components/mapping-step";
import { ReviewStep } from "@/features/job-wizard/components/review-step";
import { SaveError } from "@/features/job-wizard/components/save-error";
import { WizardSteps } from "@/features/job-wizard/components/wizard-steps";
import {
  initialValues,
  STEP_FIELDS,
  tableNameFromFilename,
  toJobCreate,
  valuesFromJob,
  wizardSchema,
  type WizardValues,
} from "@/features/job-wizard/utils/wizard-schema";
import type { WizardEditors } from "@/features/job-wizard/utils/composed";
import { toApiError } from "@/lib/api-client";
import { useSaveJob } from "@/features/job-wizard/hooks/use-save-job";
import { autoMatch, mappingRowsFromFile } from "@/lib/mapping-rows";
import type { JobRead, UploadedFileRead } from "@/types/api";

/** Where a job writes, as one comparable key. */
function tableKey(credentialId: number, schema: string, table: string): string {
  return `${credentialId}/${schema}/${table.trim().toLowerCase()}`;
}

const STEPS = ["Destination", "Mapping", "Load", "Review"] as const;
const STEP_DESCRIPTIONS = [
  "Where the data goes: a connection, a schema, and a new or existing table.",
  "Which columns to load, under which names and types, and any calculated columns.",
  "How rows land in the table and how many bad rows are tolerated.",
  "Check what will happen, then create the job or create and run it now.",
];

export function JobWizard({
  file,
  job,
  renderNewCredential,
  mappingEditor,
  rowTransformsEditor,
}: {
  file: UploadedFileRead;
  /** The job being edited; absent for a new job. */
  job?: JobRead;
  renderNewCredential?: RenderNewCredential;
} & WizardEditors) {
  const queryClient = useQueryClient();
  const { save, done, error: saveError, busy } = useSaveJob(job);
  const form = useForm<WizardValues>({
    resolver: zodResolver(wizardSchema),
    defaultValues: job ? valuesFromJob(job, file) : initialValues(file, mappingRowsFromFile(file.columns)),
    mode: "onTouched",
  });
  const [step, setStep] = React.useState(0);
  const [reached, setReached] = React.useState(job ? STEPS.length - 1 : 0);
  const [checking, setChecking] = React.useState(false);
  // The table the job writes to now: a table it created itself is no name clash when editing.
  const ownTable = job ? tableKey(job.credential_id, job.target_schema ?? "", job.target_table ?? "") : null;
  // The existing table the mapping was last auto-matched to, so Back/Next does not undo the user's edits
  // (an edited job's saved mapping counts as matched).
  const matchedTable = React.useRef<string | null>(job && !job.create_table ? ownTable : null);
  const headingRef = React.useRef<HTMLHeadingElement>(null);
  const moved = React.useRef(false);

  React.useEffect(() => {
    // Move focus to the new step's title for keyboard and screen-reader users (not on first render).
    if (moved.current) headingRef.current?.focus();
  }, [step]);

  function goTo(index: number) {
    moved.current = true;
    setStep(index);
    setReached((r) => Math.max(r, index));
  }

  /** Checks that need the server or cached server data, beyond the zod schema. */
  async function stepIsReady(index: number): Promise<boolean> {
    const values = form.getValues();
    if (index === 0) {
      const tables = queryClient.getQueryData(getTablesQueryOptions(values.credential_id, values.target_schema).queryKey);
      const name = values.target_table.trim().toLowerCase();
      const own = tableKey(values.credential_id, values.target_schema, values.target_table) === ownTable;
      if (values.table_mode === "new" && !own && tables?.some((t) => t.name.toLowerCase() === name)) {
        form.setError("target_table", { message: "This table already exists: load into it as an existing table, or pick another name." }, { shouldFocus: true });
        return false;
      }
      if (values.table_mode === "existing") {
        const key = tableKey(values.credential_id, values.target_schema, values.target_table);
        if (matchedTable.current !== key) {
          try {
            const table = await queryClient.fetchQuery(
              getTableSchemaQueryOptions(values.credential_id, values.target_schema, values.target_table),
            );
            form.setValue("mappings", autoMatch(values.mappings, table.columns));
            matchedTable.current = key;
          } catch {
            // The mapping step shows the error with a retry.
          }
        }
      }
    }
    if (index === 1) {
      const calculated = values.mappings.filter((row) => row.include && row.source_column === null);
      const checks = await Promise.all(
        calculated.map((row) =>
          queryClient.fetchQuery(validateExpressionQueryOptions(file.id, (row.expression ?? "").trim())).catch(
            (error: unknown) => ({ valid: false, error: toApiError(error).message }),
          ),
        ),
      );
      const badIndex = checks.findIndex((check) => !check.valid);
      if (badIndex >= 0) {
        const row = calculated[badIndex]!;
        form.setError("mappings", { message: `Fix the expression of “${row.target_column}”: ${checks[badIndex]!.error ?? "invalid"}` });
        return false;
      }
      if (values.table_mode === "existing") {
        // The server checks the mapping against the table as Create will: say it here, not on Create.
        try {
          await queryClient.fetchQuery(previewDdlQueryOptions(toJobCreate(values, file.id)));
        } catch (error) {
          const apiError = toApiError(error);
          const messages = apiError.problems.length > 0 ? apiError.problems.map((p) => p.message) : [apiError.message];
          form.setError("mappings", { type: "server", message: messages.join("\n") });
          return false;
        }
      }
    }
    return true;
  }

  async function next() {
    if (checking) return;
    setChecking(true);
    try {
      const valid = await form.trigger(STEP_FIELDS[step], { shouldFocus: true });
      if (valid && (await stepIsReady(step))) goTo(step + 1);
    } finally {
      setChecking(false);
    }
  }

  const submit = (execute: boolean) => form.handleSubmit((values) => save(toJobCreate(values, file.id), execute));
  const last = step === STEPS.length - 1;

  return (
    <FormProvider {...form}>
      <form
        noValidate
        aria-label={job ? `Edit job ${job.name}` : "New job"}
        onSubmit={(event) => {
          // Enter in a field moves on; creating always takes an explicit button press.
          event.preventDefault();
          if (!last) void next();
        }}
        className="flex flex-col gap-6"
      >
        <WizardSteps steps={STEPS} current={step} reached={reached} onSelect={goTo} />
        <Card>
          <CardHeader>
            <h2 ref={headingRef} tabIndex={-1} className="leading-none font-semibold outline-none">
              {step + 1}. {STEPS[step]}
            </h2>
            <CardDescription>{STEP_DESCRIPTIONS[step]}</CardDescription>
          </CardHeader>
          <CardContent>
            <ErrorBoundary key={step} title={`The ${STEPS[step]?.toLowerCase() ?? ""} step failed`}>
              {step === 0 && <FileSourceSection filename={file.filename} />}
              {step === 0 && (
                <DestinationStep
                  defaultTable={job?.target_table ?? tableNameFromFilename(file.filename)}
                  ownTable={ownTable}
                  renderNewCredential={renderNewCredential}
                />
              )}
              {step === 1 && <MappingStep file={file} MappingEditor={mappingEditor} RowTransformsEditor={rowTransformsEditor} />}
              {step === 2 && <LoadStep />}
              {step === 3 && <ReviewStep file={file} />}
            </ErrorBoundary>
          </CardContent>
        </Card>

        {saveError && <SaveError error={saveError} title={`The job could not be ${done}`} />}

        <div className="flex flex-wrap items-center justify-between gap-2">
          <Button variant="outline" onClick={() => goTo(step - 1)} disabled={step === 0 || busy} data-testid="wizard-back">
            <ArrowLeftIcon />
            Back
          </Button>
          {!last ? (
            <Button type="submit" disabled={checking} data-testid="wizard-next">
              {checking ? "Checking…" : "Next"}
              <ArrowRightIcon />
            </Button>
          ) : (
            <div className="flex flex-wrap gap-2">
              <Button
                variant="outline"
                onClick={() => void submit(false)()}
                disabled={busy}
                data-testid={job ? "save-job-button" : "create-job-button"}
              >
                <SaveIcon />
                {job ? "Save changes" : "Create job"}
              </Button>
              <Button
                onClick={() => void submit(true)()}
                disabled={busy}
                data-testid={job ? "save-and-execute-button" : "create-and-execute-button"}
              >
                <PlayIcon />
                {busy ? "Working…" : job ? "Save & execute" : "Create & execute"}
              </Button>
            </div>
          )}
        </div>
      </form>
    </FormProvider>
  );
}
