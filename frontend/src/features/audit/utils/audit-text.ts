import type { AuditAction, AuditEventRead } from "@/types/api";

export const ACTION_LABEL: Record<AuditAction, string> = {
  create: "Created",
  update: "Updated",
  delete: "Deleted",
  execute: "Executed",
  cancel: "Cancelled",
  login: "Logged in",
  login_failed: "Failed login",
  logout: "Logged out",
  role_change: "Role changed",
};

/** The resources the API records, in the order the filter lists them. */
export const RESOURCE_TYPES = ["user", "session", "api_token", "credential", "job", "job_run", "schedule", "upload"] as const;

export const RESOURCE_LABEL: Record<string, string> = {
  user: "User",
  session: "Session",
  api_token: "API token",
  credential: "Connection",
  job: "Job",
  job_run: "Run",
  schedule: "Schedule",
  upload: "Upload",
};

export function resourceText(event: Pick<AuditEventRead, "resource_type" | "resource_id">): string {
  const label = RESOURCE_LABEL[event.resource_type] ?? event.resource_type;
  return event.resource_id ? `${label} ${event.resource_id}` : label;
}

/** A before/after value as one short line (secrets arrive already redacted). */
export function valueText(value: unknown): string {
  if (value === undefined || value === null) return "—";
  if (typeof value === "string") return value === "" ? '""' : value;
  return JSON.stringify(value);
}

export type ChangeRow = { field: string; before: string; after: string };

/** `changes` ({field: {before, after}}) as rows; a value that is not such a pair shows as "after". */
export function changeRows(changes: AuditEventRead["changes"]): ChangeRow[] {
  if (!changes) return [];
  return Object.entries(changes).map(([field, change]) => {
    if (typeof change === "object" && change !== null && ("before" in change || "after" in change)) {
      const { before, after } = change as { before?: unknown; after?: unknown };
      return { field, before: valueText(before), after: valueText(after) };
    }
    return { field, before: "—", after: valueText(change) };
  });
}
