// The column mapping as the job wizard and the mapping editor hold it, and its conversions to and
// from the API's mappings.
import {
  asColumnType,
  type ColumnMapping,
  type ColumnMappingRead,
  type ColumnType,
  type SourceColumn,
  type TableColumn,
  type Transform,
} from "@/types/api";

/** One destination column as the editor holds it; `key` keeps React rows stable while editing. */
export type MappingRow = {
  key: string;
  /** Source sql_name; null for a calculated column. */
  source_column: string | null;
  /** The source column's original header and detected type, for display. */
  source_name: string | null;
  source_type: ColumnType | null;
  target_column: string;
  target_type: ColumnType;
  include: boolean;
  transforms: Transform[];
  expression: string | null;
  /** The user picked this type: a calculated column no longer follows its expression's type. */
  type_set_by_user?: boolean;
};

/**
 * What the job wizard hands the mapping editor (the column-mapping feature's ColumnMappingEditor,
 * passed in by the app layer). Controlled: the caller owns `value`.
 */
export type MappingEditorProps = {
  fileId: string;
  sourceColumns: SourceColumn[];
  /** The existing table's columns when loading into one; null for a new table. */
  targetColumns: TableColumn[] | null;
  value: MappingRow[];
  onChange: (rows: MappingRow[]) => void;
  /** Problems keyed by row key, "" for the mapping as a whole. */
  problems: Map<string, string>;
};

/** Every file column mapped onto a column of the same sql_name and detected type. */
export function mappingRowsFromFile(columns: SourceColumn[]): MappingRow[] {
  return columns.map((column) => ({
    key: `src:${column.sql_name}`,
    source_column: column.sql_name,
    source_name: column.name,
    source_type: asColumnType(column.type),
    target_column: column.sql_name,
    target_type: asColumnType(column.type),
    include: true,
    transforms: [],
    expression: null,
  }));
}

/** A saved job's mappings as editor rows (types as saved, so a calculated column keeps its type). */
export function mappingRowsFromJob(mappings: ColumnMappingRead[], sourceColumns: SourceColumn[]): MappingRow[] {
  const sources = new Map(sourceColumns.map((column) => [column.sql_name, column]));
  return [...mappings]
    .sort((a, b) => a.position - b.position)
    .map((mapping) => {
      const source = mapping.source_column ? sources.get(mapping.source_column) : undefined;
      return {
        key: mapping.source_column ? `src:${mapping.source_column}` : `calc:${mapping.id}`,
        source_column: mapping.source_column ?? null,
        source_name: source?.name ?? mapping.source_column ?? null,
        source_type: source ? asColumnType(source.type) : null,
        target_column: mapping.target_column,
        target_type: mapping.target_type,
        include: mapping.include,
        transforms: mapping.transforms,
        expression: mapping.expression ?? null,
        type_set_by_user: true,
      };
    });
}

let calculatedCounter = 0;

export function calculatedRow(existing: MappingRow[]): MappingRow {
  const names = new Set(existing.map((row) => row.target_column));
  let n = 1;
  while (names.has(`calculated_${n}`)) n += 1;
  calculatedCounter += 1;
  return {
    key: `calc:${Date.now()}:${calculatedCounter}`,
    source_column: null,
    source_name: null,
    source_type: null,
    target_column: `calculated_${n}`,
    target_type: "TEXT",
    include: true,
    transforms: [],
    expression: "",
  };
}

/** Lower-case letters and digits only, so "Customer Name", "customer_name" and "CUSTOMERNAME" meet. */
function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, "");
}

/** A destination's own type name (information_schema / DuckDB spelling) as the closest ColumnType. */
export function columnTypeFromDatabase(type: string): ColumnType {
  const t = type.toLowerCase().trim();
  if (t.includes("timestamp with time zone") || t === "timestamptz") return "TIMESTAMPTZ";
  if (t.startsWith("timestamp") || t === "datetime") return "TIMESTAMP";
  if (t === "date") return "DATE";
  if (t.startsWith("bool")) return "BOOLEAN";
  if (t === "bigint" || t === "int8" || t === "hugeint") return "BIGINT";
  if (["integer", "int", "int4", "smallint", "int2", "tinyint"].includes(t)) return "INTEGER";
  if (t.startsWith("numeric") || t.startsWith("decimal")) return "NUMERIC";
  if (t.startsWith("double") || t === "real" || t.startsWith("float")) return "FLOAT";
  return "TEXT";
}

/**
 * Map file columns onto an existing table's columns by name. A source column with no counterpart
 * is excluded (the table has nowhere to put it); calculated columns are left as they are.
 */
export function autoMatch(rows: MappingRow[], targetColumns: TableColumn[]): MappingRow[] {
  const byName = new Map(targetColumns.map((column) => [normalizeName(column.name), column]));
  return rows.map((row) => {
    if (row.source_column === null) return row;
    const match =
      byName.get(normalizeName(row.source_name ?? row.source_column)) ?? byName.get(normalizeName(row.source_column));
    if (!match) return { ...row, include: false };
    return { ...row, include: true, target_column: match.name, target_type: columnTypeFromDatabase(match.type) };
  });
}

/** The rows as the API's JobCreate.mappings. */
export function toColumnMappings(rows: MappingRow[]): ColumnMapping[] {
  return rows.map((row) => ({
    source_column: row.source_column,
    target_column: row.target_column.trim(),
    target_type: row.target_type,
    include: row.include,
    transforms: row.transforms,
    expression: row.source_column === null ? (row.expression ?? "").trim() : null,
  }));
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Problems with the mapping as a whole, keyed by row key ("" for the whole mapping). */
export function mappingProblems(rows: MappingRow[]): Map<string, string> {
  const problems = new Map<string, string>();
  const included = rows.filter((row) => row.include);
  if (included.length === 0) problems.set("", "Include at least one column.");
  const seen = new Map<string, string>();
  for (const row of included) {
    const name = row.target_column.trim();
    if (!name) problems.set(row.key, "Give the column a name.");
    else if (!IDENTIFIER.test(name)) problems.set(row.key, "Use letters, digits and _ only, not starting with a digit.");
    else if (name.length > 63) problems.set(row.key, "At most 63 characters.");
    else if (seen.has(name.toLowerCase())) problems.set(row.key, `“${name}” is used twice.`);
    else if (row.source_column === null && !(row.expression ?? "").trim()) problems.set(row.key, "Write an expression.");
    seen.set(name.toLowerCase(), row.key);
  }
  return problems;
}
