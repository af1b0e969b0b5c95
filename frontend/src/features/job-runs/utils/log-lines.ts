import type { JobRunEvent } from "@/types/api";

/** An event's key-values as `key=value` pairs. */
export function logDetails(data: JobRunEvent["data"]): string {
  if (!data) return "";
  return Object.entries(data)
    .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`)
    .join(" ");
}

/** One line per event: what the log viewer's copy button puts on the clipboard. */
export function logLine(event: JobRunEvent): string {
  return [event.created_at, event.level.toUpperCase(), event.message, logDetails(event.data)].filter(Boolean).join(" ");
}
