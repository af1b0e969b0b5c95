import {
  autoMatch,
  calculatedRow,
  columnTypeFromDatabase,
  mappingProblems,
  mappingRowsFromFile,
  toColumnMappings,
} from "@/lib/mapping-rows";
import type { SourceColumn } from "@/types/api";

const columns: SourceColumn[] = [
  { name: "ID", sql_name: "id", type: "INTEGER" },
  { name: "Customer Name", sql_name: "customer_name", type: "TEXT" },
  { name: "note", sql_name: "note", type: "TEXT" },
];

describe("mapping rows", () => {
  it("maps every file column to itself with its detected type", () => {
    expect(toColumnMappings(mappingRowsFromFile(columns))).toEqual([
      { source_column: "id", target_column: "id", target_type: "INTEGER", include: true, transforms: [], expression: null },
      {
        source_column: "customer_name",
        target_column: "customer_name",
        target_type: "TEXT",
        include: true,
        transforms: [],
        expression: null,
      },
      { source_column: "note", target_column: "note", target_type: "TEXT", include: true, transforms: [], expression: null },
    ]);
  });

  it("auto-matches by name ignoring case and punctuation, excluding columns the table lacks", () => {
    const rows = autoMatch(mappingRowsFromFile(columns), [
      { name: "CustomerName", type: "character varying", nullable: true, has_default: false },
      { name: "id", type: "bigint", nullable: false, has_default: false },
    ]);

    expect(rows.map((row) => [row.source_column, row.target_column, row.target_type, row.include])).toEqual([
      ["id", "id", "BIGINT", true],
      ["customer_name", "CustomerName", "TEXT", true],
      ["note", "note", "TEXT", false],
    ]);
  });

  it("leaves calculated columns alone when auto-matching", () => {
    const calc = { ...calculatedRow([]), expression: "1 + 1" };
    expect(autoMatch([calc], [])).toEqual([calc]);
  });

  it("reads destination type names as column types", () => {
    expect(columnTypeFromDatabase("timestamp with time zone")).toBe("TIMESTAMPTZ");
    expect(columnTypeFromDatabase("TIMESTAMP")).toBe("TIMESTAMP");
    expect(columnTypeFromDatabase("numeric(12,2)")).toBe("NUMERIC");
    expect(columnTypeFromDatabase("DOUBLE")).toBe("FLOAT");
    expect(columnTypeFromDatabase("int4")).toBe("INTEGER");
    expect(columnTypeFromDatabase("VARCHAR")).toBe("TEXT");
  });

  it("names a new calculated column after the ones already there", () => {
    const first = calculatedRow([]);
    expect(first.target_column).toBe("calculated_1");
    expect(calculatedRow([first]).target_column).toBe("calculated_2");
  });

  it("reports duplicate, invalid and empty names and a mapping with nothing included", () => {
    const rows = mappingRowsFromFile(columns);
    rows[1]!.target_column = "ID";
    rows[2]!.target_column = "2nd note";
    const calc = calculatedRow(rows);
    const problems = mappingProblems([...rows, calc]);
    expect(problems.get(rows[1]!.key)).toBe("“ID” is used twice.");
    expect(problems.get(rows[2]!.key)).toMatch(/letters, digits and _/);
    expect(problems.get(calc.key)).toBe("Write an expression.");

    expect(mappingProblems(rows.map((row) => ({ ...row, include: false }))).get("")).toBe("Include at least one column.");
  });
});
