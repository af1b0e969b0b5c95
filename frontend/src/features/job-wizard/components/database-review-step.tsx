import { useFormContext, useWatch } from "react-hook-form";

import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import type { DatabaseWizardValues } from "@/features/job-wizard/utils/database-wizard-schema";
import { DRIFT_POLICIES } from "@/features/job-wizard/utils/drift-policies";
import { formatNumber } from "@/lib/format";

const STRATEGY_WORDS = {
  INSERT: "append",
  UPSERT: "upsert",
  TRUNCATE_INSERT: "replace",
  INCREMENTAL: "incremental",
} as const;

/** Step 5 of a database job: what each run will read and write, before anything is saved. */
export function DatabaseReviewStep() {
  const { control } = useFormContext<DatabaseWizardValues>();
  const values = useWatch({ control }) as DatabaseWizardValues;
  const schema = values.target_schema.trim();
  const drift = DRIFT_POLICIES.find((policy) => policy.value === values.drift_policy);
  const included = values.tables.filter((table) => table.include);

  return (
    <div className="flex flex-col gap-4" data-testid="wizard-step-review">
      <ul className="list-disc space-y-1 pl-4 text-sm" data-testid="load-summary">
        {values.source_type === "tables" ? (
          <>
            <li>
              {included.length} table{included.length === 1 ? "" : "s"} will be read and loaded into schema {schema}, at most{" "}
              {values.max_parallel_tables} at a time; each table commits on its own, and a failed table can be retried alone.
            </li>
            {values.tables.length > included.length && <li>{values.tables.length - included.length} selected tables are left out.</li>}
          </>
        ) : (
          <li>
            The query is run read-only at each run and its rows go to the new table {schema}.{values.target_table.trim()} (
            {STRATEGY_WORDS[values.strategy]}).
          </li>
        )}
        <li>
          When the source's columns change: {drift?.label.toLowerCase()}. {drift?.description}
        </li>
        <li>
          {values.reject_threshold_count === null
            ? "A single row that cannot be converted fails the load, and nothing of it is committed."
            : `Up to ${formatNumber(values.reject_threshold_count)} rejected rows are set aside with their reason.`}
        </li>
        {values.max_rows_per_second !== null && <li>Each table is read at most {formatNumber(values.max_rows_per_second)} rows per second.</li>}
      </ul>
      {values.source_type === "tables" && (
        <Table aria-label="Tables to load" data-testid="review-tables">
          <TableHeader>
            <TableRow>
              <TableHead>Source</TableHead>
              <TableHead>Target</TableHead>
              <TableHead>Strategy</TableHead>
              <TableHead className="text-right">Columns</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {included.map((table) => (
              <TableRow key={table.key}>
                <TableCell className="font-mono text-xs">{table.key}</TableCell>
                <TableCell className="font-mono text-xs">
                  {schema}.{table.target_table}
                </TableCell>
                <TableCell>
                  {STRATEGY_WORDS[table.strategy]}
                  {table.upsert_keys.length > 0 && (table.strategy === "UPSERT" || table.strategy === "INCREMENTAL") && (
                    <span className="font-mono text-xs"> on {table.upsert_keys.join(", ")}</span>
                  )}
                  {table.strategy === "INCREMENTAL" && <span className="font-mono text-xs">, cursor {table.cursor_column}</span>}
                </TableCell>
                <TableCell className="text-right">{table.mappings.filter((row) => row.include).length}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </div>
  );
}
