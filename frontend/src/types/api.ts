// TypeScript shapes of every resource in the HTTP API contract (docs/architecture.md).
// Keep in step with the backend's pydantic schemas; datetimes are ISO-8601 UTC strings.

export type ColumnType =
  | "TEXT"
  | "INTEGER"
  | "BIGINT"
  | "NUMERIC"
  | "FLOAT"
  | "BOOLEAN"
  | "DATE"
  | "TIMESTAMP"
  | "TIMESTAMPTZ";

export const COLUMN_TYPES: readonly ColumnType[] = [
  "TEXT",
  "INTEGER",
  "BIGINT",
  "NUMERIC",
  "FLOAT",
  "BOOLEAN",
  "DATE",
  "TIMESTAMP",
  "TIMESTAMPTZ",
];

/** The error body every non-2xx response carries. */
export type ApiErrorBody = {
  error: string;
  message: string;
  details?: unknown;
  timestamp?: string;
};

export type Page<T> = { items: T[]; total: number };

/** `details.problems` of a 422 that lists several problems (e.g. a job's mapping). */
export type ApiProblem = { field: string; message: string };

export type PageParams = { offset?: number; limit?: number };

// ---- CSV sources ---------------------------------------------------------

export type SourceColumn = {
  name: string;
  sql_name: string;
  type: ColumnType;
  precision?: number | null;
  scale?: number | null;
};

export type UploadedFileRead = {
  id: string;
  filename: string;
  size_bytes: number;
  encoding: string;
  delimiter: string;
  /** null when the file uses no quoting. */
  quotechar: string | null;
  has_header: boolean;
  decimal: "." | ",";
  compression: "gzip" | null;
  row_estimate: number;
  columns: SourceColumn[];
  created_at: string;
};

export type CsvOptionsUpdate = {
  encoding?: string;
  delimiter?: string;
  quotechar?: string;
  has_header?: boolean;
  decimal?: "." | ",";
};

export type PreviewColumn = {
  name: string;
  sql_name: string;
  type: ColumnType;
  null_count: number;
  min: string | number | null;
  max: string | number | null;
  samples: unknown[];
};

export type InvalidCell = {
  /** Row index within the preview page's `rows` (0-based). */
  row: number;
  /** Column sql_name. */
  column: string;
  value: string | null;
  reason: string;
};

export type PreviewCell = string | number | boolean | null;

export type FilePreview = {
  columns: PreviewColumn[];
  rows: PreviewCell[][];
  offset: number;
  limit: number;
  total_rows: number | null;
  /** false when total_rows is an estimate (large files are not counted up front). */
  total_rows_exact?: boolean;
  invalid_cells: InvalidCell[];
};

// ---- Credentials / destinations -----------------------------------------

export type CredentialKind = "postgres" | "redshift" | "duckdb";

export type CredentialOptions = { path?: string; sslmode?: string } & Record<string, unknown>;

export type CredentialRead = {
  id: number;
  name: string;
  kind: CredentialKind;
  host: string | null;
  port: number | null;
  database: string | null;
  username: string | null;
  has_password: boolean;
  options: CredentialOptions;
  is_builtin: boolean;
  created_at: string;
  updated_at: string;
};

export type CredentialCreate = {
  name: string;
  kind: CredentialKind;
  host?: string | null;
  port?: number | null;
  database?: string | null;
  username?: string | null;
  password?: string | null;
  options?: CredentialOptions;
};

/** PUT body: an omitted password keeps the stored one. */
export type CredentialUpdate = Partial<CredentialCreate>;

export type ConnectionTestResult = {
  ok: boolean;
  message: string;
  server_version: string | null;
  latency_ms: number | null;
};

export type TableRef = { schema: string; name: string };

export type TableColumn = { name: string; type: string; nullable: boolean };

export type TableSchema = { schema: string; table: string; columns: TableColumn[] };

// ---- Jobs ------------------------------------------------------------------

export type LoadStrategy = "INSERT" | "UPSERT" | "TRUNCATE_INSERT";

export type TransformType =
  | "upper"
  | "lower"
  | "trim"
  | "replace"
  | "prefix"
  | "suffix"
  | "default"
  | "cast";

/** `{"type": "replace", "old": "a", "new": "b"}` — arguments sit next to `type`. */
export type Transform = { type: TransformType } & Record<string, unknown>;

export type ColumnMapping = {
  /** Source sql_name; null for a calculated column. */
  source_column: string | null;
  target_column: string;
  target_type: ColumnType;
  include: boolean;
  transforms: Transform[];
  expression: string | null;
};

export type ColumnMappingRead = ColumnMapping & { id: number; position: number };

export type JobCreate = {
  name: string;
  description?: string | null;
  file_id: string;
  credential_id: number;
  target_schema: string;
  target_table: string;
  create_table: boolean;
  strategy: LoadStrategy;
  upsert_keys: string[];
  batch_size: number;
  reject_threshold_count: number | null;
  reject_threshold_percent: number | null;
  max_retries: number;
  retry_delay_seconds: number;
  /** Omitted = mapped automatically from the file's columns. */
  mappings?: ColumnMapping[];
};

export type JobUpdate = Partial<JobCreate>;

export type JobRead = Omit<JobCreate, "mappings" | "description"> & {
  id: number;
  description: string | null;
  mappings: ColumnMappingRead[];
  ddl?: string | null;
  created_at: string;
  updated_at: string;
};

export type DdlPreview = { ddl: string; warnings: string[] };

export type ExpressionValidationRequest = { file_id: string; expression: string };

export type ExpressionValidation = {
  valid: boolean;
  error: string | null;
  position: number | null;
  type: ColumnType | null;
  sample: unknown[] | null;
};

// ---- Job runs --------------------------------------------------------------

export type JobRunStatus =
  | "PENDING"
  | "RUNNING"
  | "COMPLETED"
  | "COMPLETED_WITH_REJECTS"
  | "FAILED"
  | "CANCELLED";

export const ACTIVE_RUN_STATUSES: readonly JobRunStatus[] = ["PENDING", "RUNNING"];

export type RunTrigger = "manual" | "schedule";

export type JobRunRead = {
  id: number;
  job_id: number;
  job_name: string;
  status: JobRunStatus;
  trigger: RunTrigger;
  schedule_id: number | null;
  attempt: number;
  dag_id: string | null;
  dag_run_id: string | null;
  rows_read: number;
  rows_loaded: number;
  rows_rejected: number;
  rows_filtered: number;
  bytes_read: number;
  bytes_total: number;
  rows_per_second: number;
  eta_seconds: number | null;
  progress_percent: number;
  error_message: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  duration_seconds: number | null;
};

export type JobRunListParams = PageParams & { job_id?: number; status?: JobRunStatus };

export type JobRunEventKind = "progress" | "log" | "status";

export type JobRunEvent = {
  id: number;
  job_run_id: number;
  created_at: string;
  kind: JobRunEventKind;
  level: string;
  message: string;
  data: Record<string, unknown> | null;
};

export type RejectedRowRead = {
  id: number;
  line_number: number;
  raw: string;
  column: string | null;
  reason: string;
};

/** Server-sent event names on GET /job-runs/{id}/stream. */
export type JobRunStreamEvent = "snapshot" | "progress" | "log" | "end";

// ---- Schedules ------------------------------------------------------------

export type ScheduleCreate = { cron_expression: string; enabled: boolean; timezone: string };

export type ScheduleUpdate = Partial<ScheduleCreate>;

/** The latest run a schedule started. */
export type ScheduleLastRun = { id: number; status: JobRunStatus; created_at: string };

export type ScheduleRead = {
  id: number;
  job_id: number;
  cron_expression: string;
  timezone: string;
  enabled: boolean;
  /** When it was last enabled (the start date of its DAG). */
  enabled_at?: string | null;
  /** Human-readable cron, e.g. "At 06:00, Monday through Friday". */
  description: string;
  /** The next five fire times in the schedule's timezone, with its offset. */
  next_runs: string[];
  last_run: ScheduleLastRun | null;
  dag_id: string;
  created_at: string;
  updated_at: string;
};

// ---- Dashboard, config, health ----------------------------------------------

export type Dashboard = {
  /** Every status, zeros included. */
  counts_by_status: Partial<Record<JobRunStatus, number>>;
  recent_runs: JobRunRead[];
  /** The last 14 days (UTC), oldest first. */
  rows_per_day: { date: string; rows: number }[];
  running: JobRunRead[];
};

export type AppConfig = { airflow_ui_url: string; max_upload_bytes: number; version: string };

export type ComponentHealth = { ok: boolean; message: string };

export type Health = {
  status: "ok" | "degraded";
  database: ComponentHealth;
  airflow: ComponentHealth;
};
