// The cache's namespace, shared by every feature: a feature that changes a resource invalidates
// the same keys another feature reads it under (e.g. the wizard creating a credential refreshes
// the credentials page). Fetchers live in their feature's api/ folder; a request more than one
// feature makes, unchanged, lives once in lib/requests/.
import type { AuditEventParams, JobRunListParams, PageParams } from "@/types/api";

export const queryKeys = {
  config: () => ["config"] as const,
  health: () => ["health"] as const,
  dashboard: () => ["dashboard"] as const,

  auth: {
    me: () => ["auth", "me"] as const,
    providers: () => ["auth", "providers"] as const,
  },

  users: {
    all: () => ["users"] as const,
    list: (params: PageParams = {}) => ["users", "list", params] as const,
  },

  tokens: {
    all: () => ["tokens"] as const,
  },

  audit: {
    all: () => ["audit-events"] as const,
    list: (params: AuditEventParams = {}) => ["audit-events", "list", params] as const,
  },

  files: {
    all: () => ["files"] as const,
    list: (params: PageParams = {}) => ["files", "list", params] as const,
    detail: (fileId: string) => ["files", "detail", fileId] as const,
    preview: (fileId: string, offset: number, limit: number) => ["files", "preview", fileId, offset, limit] as const,
    previews: (fileId: string) => ["files", "preview", fileId] as const,
  },

  credentials: {
    all: () => ["credentials"] as const,
    list: (params: PageParams & { usage?: "source" | "destination" } = {}) => ["credentials", "list", params] as const,
    detail: (id: number) => ["credentials", "detail", id] as const,
  },

  destinations: {
    all: (credentialId: number) => ["destinations", credentialId] as const,
    schemas: (credentialId: number) => ["destinations", credentialId, "schemas"] as const,
    tables: (credentialId: number, schema: string) => ["destinations", credentialId, "tables", schema] as const,
    table: (credentialId: number, schema: string, table: string) =>
      ["destinations", credentialId, "table", schema, table] as const,
  },

  browser: {
    all: (credentialId: number) => ["browser", credentialId] as const,
    schemas: (credentialId: number) => ["browser", credentialId, "schemas"] as const,
    tables: (credentialId: number, schema: string) => ["browser", credentialId, "tables", schema] as const,
    table: (credentialId: number, schema: string, table: string) =>
      ["browser", credentialId, "table", schema, table] as const,
    rows: (credentialId: number, schema: string, table: string, offset: number, limit: number) =>
      ["browser", credentialId, "rows", schema, table, offset, limit] as const,
    query: (credentialId: number, sql: string, offset: number, limit: number) =>
      ["browser", credentialId, "query", sql, offset, limit] as const,
  },

  jobs: {
    all: () => ["jobs"] as const,
    list: (params: PageParams = {}) => ["jobs", "list", params] as const,
    detail: (id: number) => ["jobs", "detail", id] as const,
  },

  runs: {
    all: () => ["job-runs"] as const,
    list: (params: JobRunListParams = {}) => ["job-runs", "list", params] as const,
    detail: (id: number) => ["job-runs", "detail", id] as const,
    logs: (id: number) => ["job-runs", "logs", id] as const,
    rejectedRows: (id: number, params: PageParams = {}) => ["job-runs", "rejected-rows", id, params] as const,
  },

  schedules: {
    all: () => ["schedules"] as const,
    list: (params: PageParams & { job_id?: number } = {}) => ["schedules", "list", params] as const,
    detail: (id: number) => ["schedules", "detail", id] as const,
  },
};
