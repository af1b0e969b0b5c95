// Named shapes of the HTTP API (docs/architecture.md), aliases over the types generated from the
// backend's OpenAPI document (api.generated.ts: `npm run api:generate`). Only what the document
// cannot say is written by hand here. Datetimes are ISO-8601 UTC strings.
import {
  auditActionValues,
  columnTypeValues,
  jobRunStatusValues,
  loadStrategyValues,
  roleValues,
  type components,
  type paths,
} from "@/types/api.generated";

type Schemas = components["schemas"];
type QueryOf<P extends keyof paths> = paths[P] extends { get: { parameters: { query?: infer Q } } }
  ? NonNullable<Q>
  : never;

export type ColumnType = Schemas["ColumnType"];
export const COLUMN_TYPES: readonly ColumnType[] = columnTypeValues;

/** A detected column type as a ColumnType (the document types file and preview columns' `type` as a plain string). */
export function asColumnType(type: string): ColumnType {
  return (COLUMN_TYPES as readonly string[]).includes(type) ? (type as ColumnType) : "TEXT";
}

/** The error body every non-2xx response carries (the app's error handlers; not in the document). */
export type ApiErrorBody = {
  error: string;
  message: string;
  details?: unknown;
  timestamp?: string;
};

export type Page<T> = { items: T[]; total: number };

/** `details.problems` of a 422 that lists several problems (e.g. a job's mapping). */
export type ApiProblem = { field: string; message: string; type?: string };

export type PageParams = QueryOf<"/api/v1/jobs">;

// ---- CSV sources ---------------------------------------------------------

export type SourceColumn = Schemas["SourceColumnRead"];
export type UploadedFileRead = Schemas["UploadedFileRead"];
export type CsvOptionsUpdate = Schemas["CsvOptionsUpdate"];
export type PreviewColumn = Schemas["PreviewColumn"];
/** `row` is the index within the preview page's `rows`, `column` the column's sql_name. */
export type InvalidCell = Schemas["InvalidCell"];
export type FilePreview = Schemas["PreviewRead"];
export type PreviewCell = FilePreview["rows"][number][number];

// ---- Credentials / destinations -----------------------------------------

export type CredentialKind = Schemas["CredentialKind"];
export type CredentialRead = Schemas["CredentialRead"];
export type CredentialOptions = CredentialRead["options"];
export type CredentialCreate = Schemas["CredentialCreate"];
/** PUT body: an omitted password keeps the stored one. */
export type CredentialUpdate = Schemas["CredentialUpdate"];

// ---- Database browser ----------------------------------------------------

/** Row estimate and size are the database's statistics, not counts. */
export type CatalogTable = Schemas["CatalogTableRead"];
export type CatalogTableDetail = Schemas["CatalogTableDetail"];
/** A page of a table preview or a query: decimals, big integers and bytes arrive as strings. */
export type QueryResult = Schemas["QueryResult"];
export type QueryRequest = Schemas["QueryRequest"];
/** An unsaved connection to test. */
export type CredentialTest = Schemas["CredentialTest"];
export type ConnectionTestResult = Schemas["ConnectionTestResult"];
export type TableRef = Schemas["TableRef-Output"];
export type TableColumn = Schemas["TableColumn"];
export type TableSchema = Schemas["TableSchema"];

// ---- Jobs ------------------------------------------------------------------

export type LoadStrategy = Schemas["LoadStrategy"];
export const LOAD_STRATEGIES: readonly LoadStrategy[] = loadStrategyValues;
/** `{"type": "replace", "old": "a", "new": "b"}`: arguments sit next to `type`. */
export type Transform = Schemas["TransformIn"];
export type TransformType = Transform["type"];
/** A mapping as sent; `source_column` is a source sql_name, null for a calculated column. */
export type ColumnMapping = Schemas["MappingIn"];
export type ColumnMappingRead = Schemas["MappingRead"];
/** `mappings` omitted = mapped automatically from the file's columns. */
export type JobCreate = Schemas["JobCreate"];
/** Fields merged; `mappings` given = replaced, omitted = kept (re-mapped when `file_id` changes). */
export type JobUpdate = Schemas["JobUpdate"];
export type JobRead = Schemas["JobRead"];
export type DdlPreview = Schemas["DdlPreview"];

// ---- Job sources: a file, tables or a query of a connection, or files that arrive ----

export type SourceType = Schemas["SourceType"];
/** What a run does when the source's columns no longer match the mapping. */
export type DriftPolicy = Schemas["DriftPolicy"];
/** A `tables` job's table as sent: its own target, strategy, keys, cursor and mapping. */
export type JobTableIn = Schemas["JobTableIn"];
export type JobTableRead = Schemas["JobTableRead"];
/** files: {"mode": "new|latest", "on_empty": "complete|fail"}; query/tables: {"zero_dates": "reject|null"}. */
export type SourceOptions = NonNullable<JobCreate["source_options"]>;
/** A row-level transform (filter, dedupe, concat, split, date_part, conditional) and its arguments. */
export type RowTransformRead = Schemas["RowTransformIn"];
/** As the editors hold and send it: `args` always present. */
export type RowTransform = RowTransformRead & { args: Record<string, unknown> };

/** Saved row transforms as the editors hold them. */
export function rowTransformsOf(transforms: RowTransformRead[] | undefined): RowTransform[] {
  return (transforms ?? []).map((transform) => ({ ...transform, args: transform.args ?? {} }));
}
export type ProposeTablesRequest = Schemas["ProposeTablesRequest"];
export type ProposeTablesResult = Schemas["ProposedTables"];
export type ProposeQueryRequest = Schemas["ProposeQueryRequest"];
/** The query's columns with their types, and a mapping of them. */
export type ProposeQueryResult = Schemas["ProposedQuery"];
export type ExpressionValidationRequest = Schemas["ExpressionRequest"];
export type ExpressionValidation = Schemas["ExpressionResult"];

// ---- Job runs --------------------------------------------------------------

export type JobRunStatus = Schemas["JobRunStatus"];
export const JOB_RUN_STATUSES: readonly JobRunStatus[] = jobRunStatusValues;
export const ACTIVE_RUN_STATUSES: readonly JobRunStatus[] = ["PENDING", "RUNNING"];
export type JobRunRead = Schemas["JobRunRead"];
export type JobRunListParams = QueryOf<"/api/v1/job-runs">;
export type JobRunEvent = Schemas["JobRunEventRead"];
export type RejectedRowRead = Schemas["RejectedRowRead"];
export type LoadedRows = Schemas["LoadedRows"];
export type LoadedRowsParams = QueryOf<"/api/v1/job-runs/{run_id}/loaded-rows">;
/** Server-sent event names on GET /job-runs/{id}/stream (SSE is not described by the document). */
export type JobRunStreamEvent = "snapshot" | "progress" | "log" | "end";

/** A table run of a `tables` job (one per included table; a single-source run has none). */
export type JobRunTableRead = Schemas["JobRunTableRead"];
/** A drift diff (docs/drift.md): the source's columns against the mapping, found before the run. */
export type DriftDiff = {
  added?: { name: string; type: string }[];
  removed?: string[];
  renamed?: { from: string; to: string }[];
  type_changed?: { name: string; from: string; to: string }[];
  policy?: DriftPolicy;
  /** failed | evolved | ignored */
  action?: string;
  columns_added?: string[];
};
/** `JobRunRead.schema_drift`: one diff, or a `tables` job's diff per drifting table. */
export type SchemaDrift = DriftDiff & { tables?: Record<string, DriftDiff> };

// ---- Schedules ------------------------------------------------------------

export type ScheduleCreate = Schemas["ScheduleCreate"];
export type ScheduleUpdate = Schemas["ScheduleUpdate"];
/** The latest run a schedule started. */
export type ScheduleLastRun = Schemas["LastRun"];
/** `next_runs`: the next five fire times, ISO with the schedule's own offset. */
export type ScheduleRead = Schemas["ScheduleRead"];

// ---- Dashboard, config, health ----------------------------------------------

export type Dashboard = Schemas["Dashboard"];
export type AppConfig = Schemas["PortalConfig"];
export type ComponentHealth = Schemas["ComponentHealth"];
export type Health = Schemas["Health"];

// ---- Accounts, tokens, audit --------------------------------------------------------

/** viewer < operator < admin: each role can do what the one below can, and more. */
export type Role = Schemas["Role"];
export const ROLES: readonly Role[] = roleValues;
export type UserRead = Schemas["UserRead"];
export type UserCreate = Schemas["UserCreate"];
/** Omitted fields stay; 409 LastAdmin for oneself or the last active admin. */
export type UserUpdate = Schemas["UserUpdate"];
export type LoginRequest = Schemas["LoginRequest"];
export type LoginResponse = Schemas["LoginResponse"];
export type PasswordChange = Schemas["PasswordChange"];
export type AuthProviders = Schemas["Providers"];

export type TokenRead = Schemas["TokenRead"];
export type TokenCreate = Schemas["TokenCreate"];
/** `token` is shown once, at creation; the API never returns it again. */
export type TokenCreated = Schemas["TokenCreated"];

export type AuditAction = Schemas["AuditAction"];
export const AUDIT_ACTIONS: readonly AuditAction[] = auditActionValues;
/** `changes`: {field: {before, after}} for the fields that changed, secrets as "***". */
export type AuditEventRead = Schemas["AuditEventRead"];
export type AuditEventParams = QueryOf<"/api/v1/audit-events">;
