import type { ColumnType, RowTransform } from "@/types/api";

export type RowTransformType = RowTransform["type"];

/** A destination column a row transform may read: the mapped ones, then those earlier transforms add. */
export type RowColumn = { name: string; type: ColumnType };

/** A conditional's `then`/`else`: a literal (string or null, the engine converts it) or a column. */
export type Branch = string | number | boolean | null | { column: string };

export const ROW_TRANSFORM_LABELS: Record<RowTransformType, string> = {
  filter: "Keep rows where",
  dedupe: "Remove duplicates",
  concat: "Join columns",
  split: "Split a column",
  date_part: "Date part",
  conditional: "If / then / else",
};

export const ROW_TRANSFORM_HINTS: Record<RowTransformType, string> = {
  filter: "Rows where the expression is false or empty are dropped (counted as filtered).",
  dedupe: "One row per key over the whole run; the others are counted as filtered.",
  concat: "The columns' text joined by the separator; empty values are left out.",
  split: "One part of the text, counted from 0 (-1 is the last part); empty when there is none.",
  date_part: "A number from a date or timestamp; timestamps with a zone are read in the zone given (UTC by default).",
  conditional: "The value of 'then' where the condition is true, else the value of 'else'.",
};

export const DATE_PARTS = ["year", "quarter", "month", "day", "hour", "minute", "dow", "week"] as const;
export const DATE_PART_LABELS: Record<(typeof DATE_PARTS)[number], string> = {
  year: "Year",
  quarter: "Quarter",
  month: "Month",
  day: "Day of month",
  hour: "Hour",
  minute: "Minute",
  dow: "Day of week (Sunday 0)",
  week: "ISO week",
};
const TEMPORAL: ColumnType[] = ["DATE", "TIMESTAMP", "TIMESTAMPTZ"];

/** The arguments a new transform of `type` starts with. */
export function newRowTransform(type: RowTransformType): RowTransform {
  const args: Record<RowTransformType, Record<string, unknown>> = {
    filter: { expression: "" },
    dedupe: { keys: [], keep: "first" },
    concat: { columns: [], separator: " ", into: "" },
    split: { column: "", separator: ",", index: 0, into: "" },
    date_part: { column: "", part: "year", into: "" },
    conditional: { when: "", then: "", else: "", into: "" },
  };
  return { type, args: args[type] };
}

/** The column a transform writes and the type it gets there (the engine's rule: a mapped column keeps its type). */
function written(transform: RowTransform, columns: RowColumn[]): RowColumn | null {
  const into = transform.args.into;
  if (transform.type === "filter" || transform.type === "dedupe" || typeof into !== "string" || !into) return null;
  const existing = columns.find((c) => c.name === into);
  if (existing) return existing;
  const declared = transform.args.type;
  if (typeof declared === "string" && declared) return { name: into, type: declared as ColumnType };
  if (transform.type === "date_part") return { name: into, type: "INTEGER" };
  if (transform.type === "conditional") {
    const types = ["then", "else"].map((key) => branchType(transform.args[key] as Branch, columns)).filter((t) => t !== null);
    const [first] = types;
    if (first && types.every((t) => t === first)) return { name: into, type: first };
  }
  return { name: into, type: "TEXT" };
}

function branchType(branch: Branch | undefined, columns: RowColumn[]): ColumnType | null {
  if (branch && typeof branch === "object") return columns.find((c) => c.name === branch.column)?.type ?? null;
  if (typeof branch === "boolean") return "BOOLEAN";
  if (typeof branch === "number") return Number.isInteger(branch) ? "INTEGER" : "FLOAT";
  return typeof branch === "string" ? "TEXT" : null;
}

/** Per transform, the columns it can read: the mapped ones and those the transforms before it add. */
export function columnsBefore(transforms: RowTransform[], mapped: RowColumn[]): RowColumn[][] {
  const result: RowColumn[][] = [];
  let current = mapped;
  for (const transform of transforms) {
    result.push(current);
    current = withWritten(current, transform);
  }
  return result;
}

/** The destination columns once every transform ran (the mapped ones, then the new ones). */
export function columnsAfter(transforms: RowTransform[], mapped: RowColumn[]): RowColumn[] {
  return transforms.reduce(withWritten, mapped);
}

function withWritten(columns: RowColumn[], transform: RowTransform): RowColumn[] {
  const added = written(transform, columns);
  return added && !columns.some((c) => c.name === added.name) ? [...columns, added] : columns;
}

export function isTemporal(column: RowColumn): boolean {
  return TEMPORAL.includes(column.type);
}

/** What is missing before a transform can be saved (the server checks the rest: expressions, types). */
export function missingFields(transform: RowTransform): string[] {
  const a = transform.args;
  const text = (key: string) => (typeof a[key] === "string" && (a[key] as string).trim() ? [] : [key]);
  const list = (key: string) => (Array.isArray(a[key]) && (a[key] as unknown[]).length ? [] : [key]);
  switch (transform.type) {
    case "filter":
      return text("expression");
    case "dedupe":
      return list("keys");
    case "concat":
      return [...list("columns"), ...text("into")];
    case "split":
      return [...text("column"), ...text("separator"), ...text("into")];
    case "date_part":
      return [...text("column"), ...text("into")];
    case "conditional":
      return [...text("when"), ...text("into")];
  }
}
