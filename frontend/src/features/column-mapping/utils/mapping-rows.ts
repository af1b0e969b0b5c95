import type { MappingRow } from "@/features/column-mapping/types";
import { asColumnType, type ColumnMapping, type ColumnType, type SourceColumn, type TableColumn } from "@/types/api";

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
