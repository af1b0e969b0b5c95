import type { EvaluatedVariable, VariableKind } from "@/features/variables/types";

export const KIND_LABEL: Record<VariableKind, string> = {
  static: "Static value",
  db_query: "Database query",
};

/** A JSON value as a person reads it: text as is, anything else as JSON. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return "null";
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** What the static value field holds, read back: JSON when it parses (numbers, objects, true...),
 * else the text itself. */
export function parseValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export function describeValue(value: EvaluatedVariable): string {
  return `${formatValue(value.value)} (${value.type})`;
}

/** The static value field's text for a stored value: text as is, unless it would read back as JSON
 * of another type ("42" stays the text "42" by showing its quotes). */
export function valueText(value: unknown): string {
  if (typeof value !== "string") return formatValue(value);
  return typeof parseValue(value) === "string" ? value : JSON.stringify(value);
}
