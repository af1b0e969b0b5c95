/*
 * The wizard of a job that reads a database: Source → Destination → Tables (or Mapping) → Options → Review.
 * Leaving Destination asks the server to propose each table's target, strategy and mapping
 * (POST /jobs/propose-tables) or the query's columns (POST /jobs/propose-query).
 *
 * Stable hooks for end-to-end tests (Playwright):
 *   source        job-name-input, source-credential-select, source-type-tables | source-type-query,
 *                 source-schema-<schema> (opens a schema), source-table-<schema>.<table> (checkbox),
 *                 source-query-input, preview-query-button, query-preview
 *   destination   credential-select, target-schema-input, target-prefix-input (tables), table-name-input (query)
 *   tables        table-<schema>.<table> (a card) with -include, -target, -strategy, -details, -key-<column>, -cursor
 *   mapping       column-mapping-editor (query), query-strategy
 *   options       max-parallel-tables-input, drift-policy-select, max-rows-per-second-input
 *   review        load-summary, review-tables
 *   navigation and submit as the file wizard: wizard-next, wizard-back, create-job-button, create-and-execute-button,
 *                 save-job-button, save-and-execute-button
 */
import { zodResolver } from "@hookform/resolvers/zod";
import { ArrowLeftIcon, ArrowRightIcon, PlayIcon, SaveIcon } from "lucide-react";
import * as React from "react";
import { FormProvider, useForm, useWatch } from "react-hook-form";

import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader } from "@/components/ui/card";
import { ErrorBoundary } from "@/components/ui/error-boundary";
import { proposeQuery } from "@/features/job-wizard/api/propose-query";
import { proposeTables } from "@/features/job-wizard/api/propose-tables";
import { DatabaseDestinationStep } from "@/features/job-wizard/components/database-destination-step";
import { DatabaseOptionsStep } from "@/features/job-wizard/components/database-options-step";
import { DatabaseReviewStep } from "@/features/job-wizard/components/database-review-step";
import { QueryMappingStep } from "@/features/job-wizard/components/query-mapping-step";
import { SaveError } from "@/features/job-wizard/components/save-error";
import { SourceStep } from "@/features/job-wizard/components/source-step";
import { TablesStep } from "@/features/job-wizard/components/tables-step";
import { WizardSteps } from "@/features/job-wizard/components/wizard-steps";
import type { WizardEditors } from "@/features/job-wizard/utils/composed";
import {
  DATABASE_STEP_FIELDS,
  databaseValuesFromJob,
  databaseWizardSchema,
  mergeProposal,
  rowsFromMappings,
  tableKey,
  tableRowFrom,
  toDatabaseJob,
  type DatabaseWizardValues,
} from "@/features/job-wizard/utils/database-wizard-schema";
import { toApiError } from "@/lib/api-client";
import { useSaveJob } from "@/features/job-wizard/hooks/use-save-job";
import type { JobRead } from "@/types/api";

const STEP_DESCRIPTIONS = [
  "Where the data comes from: a connection, and its tables or a query.",
  "Where it goes: a destination connection, a schema, and how the tables are named.",
  "Per table: load it or not, its target name, strategy, keys and mapping.",
  "How many tables run at once, what a change at the source does, pace and retries.",
  "Check what each run will do, then create the job or create and run it now.",
];

/** What a proposal was made for: the same inputs keep the user's edits. */
function proposalInputs(values: DatabaseWizardValues): string {
  const source =
    values.source_type === "tables" ? values.selected_tables.map(tableKey).sort().join(",") : values.source_query.trim();
  return JSON.stringify([values.source_type, values.source_credential_id, values.target_schema.trim(), values.target_prefix, source]);
}

export function DatabaseJobWizard({
  initial,
  job,
  editors,
}: {
  initial: DatabaseWizardValues;
  /** The job being edited; absent for a new job. */
  job?: JobRead;
  editors: WizardEditors;
}) {
  const { save, done, error: saveError, busy } = useSaveJob(job);
  const defaultValues = job ? databaseValuesFromJob(job) : initial;
  const form = useForm<DatabaseWizardValues>({
    resolver: zodResolver(databaseWizardSchema),
    defaultValues,
    mode: "onTouched",
  });
  const [step, setStep] = React.useState(0);
  const [reached, setReached] = React.useState(job ? 4 : 0);
  const [checking, setChecking] = React.useState(false);
  // An edited job's tables and mapping count as proposed for what it reads now.
  const proposedFor = React.useRef<string | null>(job ? proposalInputs(defaultValues) : null);
  const sourceType = useWatch({ control: form.control, name: "source_type" });
  const steps = ["Source", "Destination", sourceType === "tables" ? "Tables" : "Mapping", "Options", "Review"] as const;

  function goTo(index: number) {
    setStep(index);
    setReached((r) => Math.max(r, index));
  }

  /** After Destination: the server's proposal, unless nothing it depends on changed. */
  async function propose(): Promise<boolean> {
    const values = form.getValues();
    const inputs = proposalInputs(values);
    if (proposedFor.current === inputs) return true;
    const schema = values.target_schema.trim();
    try {
      if (values.source_type === "tables") {
        const result = await proposeTables({
          source_credential_id: values.source_credential_id,
          tables: values.selected_tables,
          target_schema: schema,
          target_prefix: values.target_prefix,
        });
        const proposed = result.tables.map(tableRowFrom);
        // Only the selection changed: tables still chosen keep their edits.
        const [, , oldSchema, oldPrefix] = proposedFor.current ? (JSON.parse(proposedFor.current) as unknown[]) : [];
        const sameNaming = oldSchema === schema && oldPrefix === values.target_prefix;
        form.setValue("tables", sameNaming ? mergeProposal(values.tables, proposed) : proposed);
      } else {
        const result = await proposeQuery({ source_credential_id: values.source_credential_id, query: values.source_query });
        form.setValue("query_columns", result.columns);
        form.setValue("mappings", rowsFromMappings(result.mappings));
      }
    } catch (error) {
      const apiError = toApiError(error);
      const message = apiError.problems.length > 0 ? apiError.problems.map((p) => p.message).join(" ") : apiError.message;
      form.setError(values.source_type === "tables" ? "target_schema" : "target_table", {
        message: `The server could not read the source: ${message}`,
      });
      return false;
    }
    proposedFor.current = inputs;
    return true;
  }

  async function next() {
    if (checking) return;
    setChecking(true);
    try {
      const valid = await form.trigger(DATABASE_STEP_FIELDS[step], { shouldFocus: true });
      if (valid && (step !== 1 || (await propose()))) goTo(step + 1);
    } finally {
      setChecking(false);
    }
  }

  const submit = (execute: boolean) => form.handleSubmit((values) => save(toDatabaseJob(values), execute));
  const last = step === steps.length - 1;

  return (
    <FormProvider {...form}>
      <form
        noValidate
        aria-label={job ? `Edit job ${job.name}` : "New database job"}
        onSubmit={(event) => {
          event.preventDefault();
          if (!last) void next();
        }}
        className="flex flex-col gap-6"
      >
        <WizardSteps steps={steps} current={step} reached={reached} onSelect={goTo} />
        <Card>
          <CardHeader>
            <h2 className="leading-none font-semibold">
              {step + 1}. {steps[step]}
            </h2>
            <CardDescription>{STEP_DESCRIPTIONS[step]}</CardDescription>
          </CardHeader>
          <CardContent>
            <ErrorBoundary key={step} title={`The ${steps[step]?.toLowerCase() ?? ""} step failed`}>
              {step === 0 && <SourceStep />}
              {step === 1 && <DatabaseDestinationStep />}
              {step === 2 && (sourceType === "tables" ? <TablesStep editors={editors} /> : <QueryMappingStep editors={editors} />)}
              {step === 3 && <DatabaseOptionsStep />}
              {step === 4 && <DatabaseReviewStep />}
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
              <Button onClick={() => void submit(true)()} disabled={busy} data-testid={job ? "save-and-execute-button" : "create-and-execute-button"}>
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
