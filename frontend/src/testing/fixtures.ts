// Plain factories for API resources; each test overrides only what it is about.
import type {
  AuditEventRead,
  CredentialRead,
  FilePreview,
  JobRead,
  JobRunRead,
  TokenRead,
  UploadedFileRead,
  UserRead,
} from "@/types/api";

export function uploadedFile(overrides: Partial<UploadedFileRead> = {}): UploadedFileRead {
  return {
    id: "f1e2d3c4b5a6",
    filename: "sales.csv",
    size_bytes: 2048,
    encoding: "utf-8",
    delimiter: ",",
    quotechar: '"',
    has_header: true,
    decimal: ".",
    compression: null,
    row_estimate: 120,
    encoding_confidence: 1,
    encoding_alternatives: [],
    encoding_low_confidence: false,
    excel_separator_line: false,
    null_markers: null,
    timezone: "UTC",
    overrides: {},
    columns: [
      { name: "id", sql_name: "id", type: "INTEGER" },
      { name: "Customer Name", sql_name: "customer_name", type: "TEXT" },
      { name: "amount", sql_name: "amount", type: "NUMERIC" },
      { name: "sold_on", sql_name: "sold_on", type: "DATE" },
    ],
    created_at: "2026-11-23T12:00:00Z",
    ...overrides,
  };
}

export function filePreview(overrides: Partial<FilePreview> = {}): FilePreview {
  return {
    columns: [
      { name: "id", sql_name: "id", type: "INTEGER", null_count: 0, min: 1, max: 120, samples: ["1", "2"] },
      { name: "Customer Name", sql_name: "customer_name", type: "TEXT", null_count: 3, min: "Ann", max: "Zoe", samples: [] },
      { name: "amount", sql_name: "amount", type: "NUMERIC", null_count: 1, min: "0.50", max: "990.00", samples: [] },
      { name: "sold_on", sql_name: "sold_on", type: "DATE", null_count: 0, min: "2024-01-01", max: "2024-12-31", samples: [] },
    ],
    rows: [
      [1, "Ann", "10.50", "2024-01-01"],
      [2, null, "abc", "2024-01-02"],
    ],
    offset: 0,
    limit: 50,
    total_rows: 120,
    total_rows_exact: true,
    invalid_cells: [{ row: 1, column: "amount", value: "abc", reason: "not a number" }],
    ...overrides,
  };
}

export function credential(overrides: Partial<CredentialRead> = {}): CredentialRead {
  return {
    id: 1,
    name: "Local warehouse",
    kind: "duckdb",
    usage: "destination",
    host: null,
    port: null,
    database: null,
    username: null,
    has_password: false,
    secret_names: [],
    browsable: true,
    live_tested: true,
    options: { path: "/tmp/warehouse.duckdb" },
    is_builtin: true,
    created_at: "2026-11-23T12:00:00Z",
    updated_at: "2026-11-23T12:00:00Z",
    ...overrides,
  };
}

export function job(overrides: Partial<JobRead> = {}): JobRead {
  return {
    id: 7,
    name: "Load sales",
    description: null,
    file_id: "f1e2d3c4b5a6",
    source_type: "upload",
    source_label: "sales.csv",
    source_credential_id: null,
    source_query: null,
    source_pattern: null,
    source_options: {},
    max_parallel_tables: 4,
    row_transforms: [],
    destination_options: null,
    drift_policy: "fail",
    tables: [],
    credential_id: 1,
    target_schema: "main",
    target_table: "sales",
    create_table: true,
    strategy: "INSERT",
    upsert_keys: [],
    batch_size: 100000,
    reject_threshold_count: null,
    reject_threshold_percent: null,
    max_retries: 0,
    retry_delay_seconds: 60,
    max_rows_per_second: null,
    allow_concurrent_runs: false,
    mappings: [],
    ddl: null,
    created_at: "2026-11-23T12:00:00Z",
    updated_at: "2026-11-23T12:00:00Z",
    ...overrides,
  };
}

export function jobRun(overrides: Partial<JobRunRead> = {}): JobRunRead {
  return {
    id: 42,
    job_id: 7,
    job_name: "Load sales",
    status: "PENDING",
    trigger: "manual",
    tables: [],
    schema_drift: null,
    outputs: null,
    schedule_id: null,
    attempt: 0,
    dag_id: "etl_job_executor",
    dag_run_id: "job_7_run_42",
    rows_read: 0,
    rows_staged: 0,
    rows_loaded: 0,
    rows_rejected: 0,
    rows_filtered: 0,
    bytes_read: 0,
    bytes_total: 2048,
    rows_per_second: 0,
    eta_seconds: null,
    progress_percent: 0,
    error_message: null,
    created_at: "2026-11-23T12:00:00Z",
    started_at: null,
    finished_at: null,
    duration_seconds: null,
    airflow_task_log_path: "/dags/etl_job_executor/runs/job_7_run_42/tasks/execute_etl_job",
    ...overrides,
  };
}

export function user(overrides: Partial<UserRead> = {}): UserRead {
  return {
    id: 1,
    email: "admin@example.com",
    name: "Ada Admin",
    role: "admin",
    active: true,
    auth_source: "password",
    created_at: "2026-11-20T08:00:00Z",
    last_login_at: "2026-11-30T07:00:00Z",
    ...overrides,
  };
}

export const viewer = (overrides: Partial<UserRead> = {}) =>
  user({ id: 3, email: "viewer@example.com", name: "Vera Viewer", role: "viewer", ...overrides });
export const operator = (overrides: Partial<UserRead> = {}) =>
  user({ id: 2, email: "operator@example.com", name: "Otto Operator", role: "operator", ...overrides });

export function apiToken(overrides: Partial<TokenRead> = {}): TokenRead {
  return {
    id: 1,
    name: "nightly export",
    prefix: "etlp_AbCdEfG",
    created_at: "2026-11-28T10:00:00Z",
    last_used_at: null,
    expires_at: null,
    revoked_at: null,
    ...overrides,
  };
}

export function auditEvent(overrides: Partial<AuditEventRead> = {}): AuditEventRead {
  return {
    id: 1,
    at: "2026-11-30T08:00:00Z",
    actor_user_id: 1,
    actor_email: "admin@example.com",
    ip: "127.0.0.1",
    action: "create",
    resource_type: "user",
    resource_id: "2",
    changes: { role: { before: null, after: "operator" } },
    request_id: "req-1",
    ...overrides,
  };
}
