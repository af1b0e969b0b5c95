import type { ColumnType, Transform } from "@/types/api";

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
};
