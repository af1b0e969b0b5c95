// What the engine reads as NULL unless told otherwise (etl_engine.conversion.DEFAULT_NULL_MARKERS).
export const COMMON_NULL_MARKERS = ["NA", "N/A", "n/a", "NULL", "null", "\\N", "#N/A", "NaN", "nan", "None"];

/** "NA, -, n.d." -> ["NA", "-", "n.d."] (the empty cell is always NULL, so blanks are dropped). */
export function parseNullMarkers(text: string): string[] {
  return [...new Set(text.split(",").map((marker) => marker.trim()).filter(Boolean))];
}
