// The wizard of a job that reads a database: many tables of a connection, or one query.
// One form across the steps (Source → Destination → Tables | Mapping → Options → Review), converted
// to and from the jobs API here so the components only hold values.
import { z } from "zod";

import { mappingProblems, toColumnMappings, type MappingRow } from "@/lib/mapping-rows";
import {
  asColumnType,
  type ColumnMapping,
  type ColumnMappingRead,
  type JobCreate,
  type JobRead,
  type DriftPolicy,
  type JobTableIn,
  type LoadStrategy,
  rowTransformsOf,
  type RowTransform,
  type SourceColumn,
} from "@/types/api";

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** One source table of a many-table job, as the Tables step edits it. */
export type TableRow = {
  /** `schema.table` of the source: stable while editing. */
  key: string;
  id: number | null;
  source_schema: string | null;
  source_table: string;
  target_table: string;
  create_table: boolean;
  include: boolean;
  strategy: LoadStrategy;
  upsert_keys: string[];
  cursor_column: string | null;
  cursor_lookback: number | null;
  row_transforms: RowTransform[];
  mappings: MappingRow[];
  /** The source's columns (from the proposal or the saved mapping), for the mapping editor. */
  source_columns: SourceColumn[];
};

export type SourceTableRef = { schema: string | null; table: string };

export function tableKey(ref: SourceTableRef): string {
  return ref.schema ? `${ref.schema}.${ref.table}` : ref.table;
}

/** "sales.Order Lines" with prefix "src_" -> "src_order_lines": a target name the destination accepts. */
export function targetName(prefix: string, table: string): string {
  const name = `${prefix}${table}`
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, 63);
  if (!name) return "imported_table";
  return /^[0-9]/.test(name) ? `t_${name}`.slice(0, 63) : name;
}

const strategyNeedsKeys = (strategy: LoadStrategy) => strategy === "UPSERT" || strategy === "INCREMENTAL";

function keyProblems(strategy: LoadStrategy, keys: string[], rows: MappingRow[]): string | null {
  if (!strategyNeedsKeys(strategy)) return null;
  const targets = new Set(rows.filter((row) => row.include).map((row) => row.target_column.trim()));
  if (keys.length === 0) return "Pick the column(s) that identify a row.";
  if (keys.some((key) => !targets.has(key))) return "Key columns must be included in the mapping.";
  return null;
}

export const KEY_RANGES = ["1", "2", "4", "8"] as const;

export const databaseWizardSchema = z
  .object({
    name: z.string().trim().min(1, "Name the job.").max(200, "At most 200 characters."),
    description: z.string().max(2000),
    source_type: z.enum(["tables", "query"]),
    source_credential_id: z.number({ error: "Pick a source connection." }).int().positive("Pick a source connection."),
    selected_tables: z.array(z.custom<SourceTableRef>()),
    source_query: z.string(),
    zero_dates: z.enum(["reject", "null"]),
    key_ranges: z.enum(KEY_RANGES),
    credential_id: z.number({ error: "Pick a destination." }).int().positive("Pick a destination."),
    target_schema: z.string().trim().min(1, "Pick or name a schema."),
    target_prefix: z.string(),
    target_table: z.string(),
    tables: z.array(z.custom<TableRow>()),
    mappings: z.array(z.custom<MappingRow>()),
    query_columns: z.array(z.custom<SourceColumn>()),
    strategy: z.enum(["INSERT", "UPSERT", "TRUNCATE_INSERT", "INCREMENTAL"]),
    upsert_keys: z.array(z.string()),
    row_transforms: z.array(z.custom<RowTransform>()),
    max_parallel_tables: z.number({ error: "Enter a number." }).int().min(1, "At least 1.").max(8, "At most 8."),
    drift_policy: z.enum(["fail", "evolve", "ignore"]),
    reject_threshold_count: z.number({ error: "Enter a number of rows." }).int().min(0).nullable(),
    batch_size: z.number({ error: "Enter a batch size." }).int().min(1_000, "At least 1,000 rows.").max(1_000_000, "At most 1,000,000 rows."),
    max_retries: z.number({ error: "Enter a number." }).int().min(0).max(10, "At most 10."),
    retry_delay_seconds: z.number({ error: "Enter seconds." }).int().min(0).max(3600, "At most an hour."),
    max_rows_per_second: z.number({ error: "Enter rows per second, or leave empty." }).int().min(1).max(10_000_000).nullable(),
    allow_concurrent_runs: z.boolean(),
  })
  .superRefine((values, ctx) => {
    if (values.source_type === "tables" && values.selected_tables.length === 0) {
      ctx.addIssue({ code: "custom", path: ["selected_tables"], message: "Pick at least one table." });
    }
    if (values.source_type === "query" && !values.source_query.trim()) {
      ctx.addIssue({ code: "custom", path: ["source_query"], message: "Write the query." });
    }
    if (!IDENTIFIER.test(values.target_schema.trim())) {
      ctx.addIssue({ code: "custom", path: ["target_schema"], message: "Use letters, digits and _ only, not starting with a digit." });
    }
    if (values.source_type === "tables") {
      if (values.target_prefix && !/^[A-Za-z0-9_]*$/.test(values.target_prefix)) {
        ctx.addIssue({ code: "custom", path: ["target_prefix"], message: "Use letters, digits and _ only." });
      }
      const included = values.tables.filter((table) => table.include);
      if (values.tables.length > 0 && included.length === 0) {
        ctx.addIssue({ code: "custom", path: ["tables"], message: "Include at least one table." });
      }
      const seen = new Set<string>();
      for (const table of included) {
        const name = table.target_table.trim();
        const problem = !IDENTIFIER.test(name)
          ? "its target name: letters, digits and _ only, not starting with a digit"
          : seen.has(name.toLowerCase())
            ? `its target ${name} is used twice`
            : mappingProblems(table.mappings).size > 0
              ? "its mapping"
              : table.strategy === "INCREMENTAL" && !table.cursor_column
                ? "pick its cursor column"
                : keyProblems(table.strategy, table.upsert_keys, table.mappings);
        seen.add(name.toLowerCase());
        if (problem) ctx.addIssue({ code: "custom", path: ["tables"], message: `${table.key}: ${problem}` });
      }
    } else {
      if (!IDENTIFIER.test(values.target_table.trim())) {
        ctx.addIssue({ code: "custom", path: ["target_table"], message: "Use letters, digits and _ only, not starting with a digit." });
      }
      const problems = mappingProblems(values.mappings);
      const first = problems.values().next();
      if (values.mappings.length > 0 && !first.done) {
        ctx.addIssue({ code: "custom", path: ["mappings"], message: problems.get("") ?? `Fix the mapping: ${first.value}` });
      }
      if (values.strategy === "INCREMENTAL") {
        ctx.addIssue({ code: "custom", path: ["strategy"], message: "A query reads everything each run: incremental loads read tables." });
      }
      const keys = keyProblems(values.strategy, values.upsert_keys, values.mappings);
      if (keys) ctx.addIssue({ code: "custom", path: ["upsert_keys"], message: keys });
    }
  });

export type DatabaseWizardValues = z.infer<typeof databaseWizardSchema>;
type Field = keyof DatabaseWizardValues;

export const DATABASE_STEP_FIELDS: Field[][] = [
  ["name", "source_type", "source_credential_id", "selected_tables", "source_query"],
  ["credential_id", "target_schema", "target_prefix", "target_table"],
  ["tables", "mappings", "strategy", "upsert_keys"],
  ["max_parallel_tables", "drift_policy", "reject_threshold_count", "batch_size", "max_retries", "retry_delay_seconds", "max_rows_per_second"],
  [],
];

/** What the wizard opens with; `preset` comes from the database browser's "use in a new job". */
export function initialDatabaseValues(preset: {
  source_type: "tables" | "query";
  source_credential_id?: number;
  tables?: SourceTableRef[];
  query?: string;
}): DatabaseWizardValues {
  return {
    name: "",
    description: "",
    source_type: preset.source_type,
    source_credential_id: preset.source_credential_id as number,
    selected_tables: preset.tables ?? [],
    source_query: preset.query ?? "",
    zero_dates: "reject",
    key_ranges: "1",
    credential_id: undefined as unknown as number,
    target_schema: "",
    target_prefix: "src_",
    target_table: "query_result",
    tables: [],
    mappings: [],
    query_columns: [],
    strategy: "INSERT",
    upsert_keys: [],
    row_transforms: [],
    max_parallel_tables: 4,
    drift_policy: "fail",
    reject_threshold_count: null,
    batch_size: 100_000,
    max_retries: 0,
    retry_delay_seconds: 60,
    max_rows_per_second: null,
    allow_concurrent_runs: false,
  };
}

/** Source columns stand-ins for a mapping the server proposed or saved (names and types only). */
export function columnsFromMappings(mappings: (ColumnMapping | ColumnMappingRead)[]): SourceColumn[] {
  return mappings
    .filter((mapping) => mapping.source_column)
    .map((mapping) => ({ name: mapping.source_column!, sql_name: mapping.source_column!, type: mapping.target_type }));
}

/** API mappings as editor rows. */
export function rowsFromMappings(mappings: (ColumnMapping | ColumnMappingRead)[]): MappingRow[] {
  return mappings.map((mapping, index) => ({
    key: mapping.source_column ? `src:${mapping.source_column}` : `calc:${index}`,
    source_column: mapping.source_column ?? null,
    source_name: mapping.source_column ?? null,
    source_type: mapping.source_column ? asColumnType(mapping.target_type) : null,
    target_column: mapping.target_column,
    target_type: mapping.target_type,
    include: mapping.include ?? true,
    transforms: mapping.transforms ?? [],
    expression: mapping.expression ?? null,
    type_set_by_user: true,
  }));
}

/** A proposed (or saved) table as a Tables step row. */
export function tableRowFrom(table: JobTableIn | JobRead["tables"][number]): TableRow {
  return {
    key: tableKey({ schema: table.source_schema ?? null, table: table.source_table }),
    id: table.id ?? null,
    source_schema: table.source_schema ?? null,
    source_table: table.source_table,
    target_table: table.target_table,
    create_table: table.create_table,
    include: table.include,
    strategy: table.strategy,
    upsert_keys: table.upsert_keys ?? [],
    cursor_column: table.cursor_column ?? null,
    cursor_lookback: table.cursor_lookback ?? null,
    row_transforms: rowTransformsOf(table.row_transforms),
    mappings: rowsFromMappings(table.mappings ?? []),
    source_columns: columnsFromMappings(table.mappings ?? []),
  };
}

/** Tables chosen again after a proposal keep their edits; new ones take the proposal, dropped ones go. */
export function mergeProposal(current: TableRow[], proposed: TableRow[]): TableRow[] {
  const kept = new Map(current.map((row) => [row.key, row]));
  return proposed.map((row) => kept.get(row.key) ?? row);
}

function toJobTable(row: TableRow, targetSchema: string): JobTableIn {
  const keyed = row.strategy === "UPSERT" || row.strategy === "INCREMENTAL";
  return {
    id: row.id,
    source_schema: row.source_schema,
    source_table: row.source_table,
    target_schema: targetSchema,
    target_table: row.target_table.trim(),
    create_table: row.create_table,
    strategy: row.strategy,
    upsert_keys: keyed ? row.upsert_keys : [],
    cursor_column: row.strategy === "INCREMENTAL" ? row.cursor_column : null,
    cursor_lookback: row.strategy === "INCREMENTAL" ? row.cursor_lookback : null,
    row_transforms: row.row_transforms,
    include: row.include,
    mappings: toColumnMappings(row.mappings),
  };
}

/** The POST /jobs (PUT /jobs/{id}) body. */
export function toDatabaseJob(values: DatabaseWizardValues): JobCreate {
  const schema = values.target_schema.trim();
  const common = {
    name: values.name.trim(),
    description: values.description.trim() || null,
    source_type: values.source_type,
    source_credential_id: values.source_credential_id,
    // key_ranges is a tables job's option only (the API refuses it on a query job).
    source_options: (values.source_type === "tables"
      ? { zero_dates: values.zero_dates, key_ranges: values.key_ranges }
      : { zero_dates: values.zero_dates }) as Record<string, string>,
    drift_policy: values.drift_policy as DriftPolicy,
    credential_id: values.credential_id,
    target_schema: schema,
    batch_size: values.batch_size,
    reject_threshold_count: values.reject_threshold_count,
    reject_threshold_percent: null,
    max_retries: values.max_retries,
    retry_delay_seconds: values.retry_delay_seconds,
    max_rows_per_second: values.max_rows_per_second,
    allow_concurrent_runs: values.allow_concurrent_runs,
    max_parallel_tables: values.max_parallel_tables,
  };
  if (values.source_type === "tables") {
    const tables = values.tables.map((row) => toJobTable(row, schema));
    return {
      ...common,
      // Each table names its own target; the job's own stays the first one's, for lists.
      target_table: tables.find((table) => table.include)?.target_table ?? "",
      create_table: true,
      strategy: "INSERT",
      tables,
      mappings: [],
    };
  }
  return {
    ...common,
    source_query: values.source_query.trim(),
    target_table: values.target_table.trim(),
    create_table: true,
    strategy: values.strategy,
    upsert_keys: values.strategy === "UPSERT" ? values.upsert_keys : [],
    row_transforms: values.row_transforms,
    mappings: toColumnMappings(values.mappings),
  };
}

/** A saved database job's values, for editing it. */
export function databaseValuesFromJob(job: JobRead): DatabaseWizardValues {
  const tables = [...job.tables].sort((a, b) => a.position - b.position).map(tableRowFrom);
  const sourceType = job.source_type === "query" ? "query" : "tables";
  return {
    ...initialDatabaseValues({ source_type: sourceType }),
    name: job.name,
    description: job.description ?? "",
    source_credential_id: job.source_credential_id ?? (undefined as unknown as number),
    selected_tables: tables.map((table) => ({ schema: table.source_schema, table: table.source_table })),
    source_query: job.source_query ?? "",
    zero_dates: job.source_options?.zero_dates === "null" ? "null" : "reject",
    key_ranges: KEY_RANGES.find((n) => n === job.source_options?.key_ranges) ?? "1",
    credential_id: job.credential_id,
    target_schema: job.tables[0]?.target_schema ?? job.target_schema ?? "",
    target_prefix: "",
    target_table: job.target_table ?? "",
    tables,
    mappings: rowsFromMappings([...job.mappings].sort((a, b) => a.position - b.position)),
    query_columns: columnsFromMappings(job.mappings),
    strategy: job.strategy,
    upsert_keys: job.upsert_keys ?? [],
    row_transforms: rowTransformsOf(job.row_transforms),
    max_parallel_tables: job.max_parallel_tables,
    drift_policy: job.drift_policy,
    reject_threshold_count: job.reject_threshold_count ?? null,
    batch_size: job.batch_size,
    max_retries: job.max_retries,
    retry_delay_seconds: job.retry_delay_seconds,
    max_rows_per_second: job.max_rows_per_second ?? null,
    allow_concurrent_runs: job.allow_concurrent_runs,
  };
}
