import { z } from "zod";

import { destinationOptionsSchema, optionsFromJob } from "@/features/job-wizard/utils/destination-options";
import { mappingProblems, mappingRowsFromJob, toColumnMappings, type MappingRow } from "@/lib/mapping-rows";
import { rowTransformsOf, type JobCreate, type JobRead, type RowTransform, type UploadedFileRead } from "@/types/api";

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const wizardSchema = z
  .object({
    name: z.string().trim().min(1, "Name the job.").max(200, "At most 200 characters."),
    description: z.string().max(2000),
    // upload: this file, loaded by each run; files: files that arrive in the drop directory, with this file's columns.
    source_type: z.enum(["upload", "files"]),
    source_pattern: z.string(),
    files_mode: z.enum(["new", "latest"]),
    files_on_empty: z.enum(["complete", "fail"]),
    drift_policy: z.enum(["fail", "evolve", "ignore"]),
    row_transforms: z.array(z.custom<RowTransform>()),
    credential_id: z.number({ error: "Pick a destination." }).int().positive("Pick a destination."),
    target_schema: z.string().min(1, "Pick a schema."),
    table_mode: z.enum(["new", "existing"]),
    target_table: z.string().trim().min(1, "Name the table."),
    // An object-store destination's files (S3); null for databases.
    destination_options: destinationOptionsSchema.nullable(),
    mappings: z.array(z.custom<MappingRow>()).superRefine((rows, ctx) => {
      const problems = mappingProblems(rows);
      const first = problems.values().next();
      if (!first.done) ctx.addIssue({ code: "custom", message: problems.get("") ?? `Fix the mapping: ${first.value}` });
    }),
    strategy: z.enum(["INSERT", "UPSERT", "TRUNCATE_INSERT"]),
    upsert_keys: z.array(z.string()),
    reject_mode: z.enum(["none", "count", "percent"]),
    reject_threshold_count: z.number({ error: "Enter a number of rows." }).int("Whole rows only.").min(0).nullable(),
    reject_threshold_percent: z.number({ error: "Enter a percentage." }).min(0).max(100, "At most 100%.").nullable(),
    batch_size: z
      .number({ error: "Enter a batch size." })
      .int("Whole rows only.")
      .min(1_000, "At least 1,000 rows.")
      .max(1_000_000, "At most 1,000,000 rows."),
    max_retries: z.number({ error: "Enter a number." }).int().min(0).max(10, "At most 10."),
    retry_delay_seconds: z.number({ error: "Enter seconds." }).int().min(0).max(3600, "At most an hour."),
    // null: no cap (an empty field).
    max_rows_per_second: z
      .number({ error: "Enter rows per second, or leave empty for no limit." })
      .int("Whole rows only.")
      .min(1, "At least 1 row per second.")
      .max(10_000_000, "At most 10,000,000 rows per second.")
      .nullable(),
    allow_concurrent_runs: z.boolean(),
  })
  .superRefine((values, ctx) => {
    if (values.source_type === "files") {
      const pattern = values.source_pattern.trim();
      if (!pattern) {
        ctx.addIssue({ code: "custom", path: ["source_pattern"], message: "Write the pattern of the files to read." });
      } else if (pattern.startsWith("/") || pattern.split("/").includes("..")) {
        ctx.addIssue({ code: "custom", path: ["source_pattern"], message: "A path relative to the drop directory, without “..”." });
      }
    }
    if (values.table_mode === "new") {
      if (!IDENTIFIER.test(values.target_table.trim())) {
        ctx.addIssue({
          code: "custom",
          path: ["target_table"],
          message: "Use letters, digits and _ only, not starting with a digit.",
        });
      } else if (values.target_table.trim().length > 63) {
        ctx.addIssue({ code: "custom", path: ["target_table"], message: "At most 63 characters." });
      }
    }
    if (values.strategy === "UPSERT") {
      const targets = new Set(values.mappings.filter((row) => row.include).map((row) => row.target_column.trim()));
      if (values.upsert_keys.length === 0) {
        ctx.addIssue({ code: "custom", path: ["upsert_keys"], message: "Pick the column(s) that identify a row." });
      } else if (values.upsert_keys.some((key) => !targets.has(key))) {
        ctx.addIssue({ code: "custom", path: ["upsert_keys"], message: "Key columns must be included in the mapping." });
      }
    }
    if (values.reject_mode === "count" && values.reject_threshold_count === null) {
      ctx.addIssue({ code: "custom", path: ["reject_threshold_count"], message: "Enter a number of rows." });
    }
    if (values.reject_mode === "percent" && values.reject_threshold_percent === null) {
      ctx.addIssue({ code: "custom", path: ["reject_threshold_percent"], message: "Enter a percentage." });
    }
  });

export type WizardValues = z.infer<typeof wizardSchema>;

export type WizardField = keyof WizardValues;

/** The fields each step owns, validated before moving past it. */
export const STEP_FIELDS: WizardField[][] = [
  ["name", "source_type", "source_pattern", "credential_id", "target_schema", "table_mode", "target_table", "destination_options"],
  ["mappings", "row_transforms"],
  [
    "strategy",
    "upsert_keys",
    "reject_mode",
    "reject_threshold_count",
    "reject_threshold_percent",
    "batch_size",
    "max_retries",
    "retry_delay_seconds",
    "max_rows_per_second",
    "allow_concurrent_runs",
    "drift_policy",
  ],
  [],
];

/** "Sales Q1 (final).csv" -> "sales_q1_final": a table name the destination accepts. */
export function tableNameFromFilename(filename: string): string {
  const stem = filename.replace(/\.(csv|tsv|txt)(\.gz)?$/i, "");
  const name = stem
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, 63);
  if (!name) return "imported_data";
  return /^[0-9]/.test(name) ? `t_${name}`.slice(0, 63) : name;
}

/** Form values as they stand when the wizard opens (credential and schema are picked once loaded). */
export function initialValues(file: UploadedFileRead, mappings: MappingRow[]): WizardValues {
  return {
    name: `Load ${file.filename}`.slice(0, 200),
    description: "",
    source_type: "upload",
    source_pattern: "",
    files_mode: "new",
    files_on_empty: "complete",
    drift_policy: "fail",
    row_transforms: [],
    credential_id: undefined as unknown as number,
    target_schema: "",
    table_mode: "new",
    target_table: tableNameFromFilename(file.filename),
    destination_options: null,
    mappings,
    strategy: "INSERT",
    upsert_keys: [],
    reject_mode: "none",
    reject_threshold_count: null,
    reject_threshold_percent: null,
    batch_size: 100_000,
    max_retries: 0,
    retry_delay_seconds: 60,
    max_rows_per_second: null,
    allow_concurrent_runs: false,
  };
}

/** A saved job's values, for editing it (its file gives the source columns' names and types). */
export function valuesFromJob(job: JobRead, file: UploadedFileRead): WizardValues {
  const rejectMode =
    job.reject_threshold_count != null ? "count" : job.reject_threshold_percent != null ? "percent" : "none";
  return {
    name: job.name,
    description: job.description ?? "",
    source_type: job.source_type === "files" ? "files" : "upload",
    source_pattern: job.source_pattern ?? "",
    files_mode: job.source_options?.mode === "latest" ? "latest" : "new",
    files_on_empty: job.source_options?.on_empty === "fail" ? "fail" : "complete",
    drift_policy: job.drift_policy,
    row_transforms: rowTransformsOf(job.row_transforms),
    credential_id: job.credential_id,
    target_schema: job.target_schema ?? "",
    table_mode: job.create_table ? "new" : "existing",
    target_table: job.target_table ?? "",
    destination_options: optionsFromJob(job.destination_options),
    mappings: mappingRowsFromJob(job.mappings, file.columns),
    // A file job has no cursor column: incremental belongs to table sources.
    strategy: job.strategy === "INCREMENTAL" ? "UPSERT" : job.strategy,
    upsert_keys: job.upsert_keys ?? [],
    reject_mode: rejectMode,
    reject_threshold_count: job.reject_threshold_count ?? null,
    reject_threshold_percent: job.reject_threshold_percent ?? null,
    batch_size: job.batch_size,
    max_retries: job.max_retries,
    retry_delay_seconds: job.retry_delay_seconds,
    max_rows_per_second: job.max_rows_per_second ?? null,
    allow_concurrent_runs: job.allow_concurrent_runs,
  };
}

/** The POST /jobs (and PUT /jobs/{id}) body for these values. */
export function toJobCreate(values: WizardValues, fileId: string): JobCreate {
  return {
    name: values.name.trim(),
    description: values.description.trim() || null,
    source_type: values.source_type,
    // A files job keeps its upload as the sample that defines the columns.
    file_id: fileId,
    source_pattern: values.source_type === "files" ? values.source_pattern.trim() : null,
    source_options: values.source_type === "files" ? { mode: values.files_mode, on_empty: values.files_on_empty } : {},
    // An uploaded file never changes; arriving files may bring other columns.
    drift_policy: values.source_type === "files" ? values.drift_policy : "fail",
    row_transforms: values.row_transforms,
    max_parallel_tables: 4,
    credential_id: values.credential_id,
    target_schema: values.target_schema,
    target_table: values.target_table.trim(),
    create_table: values.table_mode === "new",
    destination_options: values.destination_options,
    strategy: values.strategy,
    upsert_keys: values.strategy === "UPSERT" ? values.upsert_keys : [],
    batch_size: values.batch_size,
    reject_threshold_count: values.reject_mode === "count" ? values.reject_threshold_count : null,
    reject_threshold_percent: values.reject_mode === "percent" ? values.reject_threshold_percent : null,
    max_retries: values.max_retries,
    retry_delay_seconds: values.retry_delay_seconds,
    max_rows_per_second: values.max_rows_per_second,
    allow_concurrent_runs: values.allow_concurrent_runs,
    mappings: toColumnMappings(values.mappings),
  };
}
