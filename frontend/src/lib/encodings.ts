// Python codec names (what the API reports as a file's encoding) with what people call them.

const NAMES: Record<string, string> = {
  "utf-8": "Unicode (UTF-8)",
  "utf-8-sig": "Unicode (UTF-8 with BOM)",
  "utf-16": "Unicode (UTF-16)",
  cp1252: "Western European (Windows-1252)",
  "latin-1": "Western European (ISO-8859-1)",
  iso8859_1: "Western European (ISO-8859-1)",
  "iso8859-1": "Western European (ISO-8859-1)",
  "iso-8859-15": "Western European (ISO-8859-15)",
  "iso8859-15": "Western European (ISO-8859-15)",
  "mac-roman": "Western European (Mac)",
  cp1250: "Central European (Windows-1250)",
  "iso8859-2": "Central European (ISO-8859-2)",
  "mac-latin2": "Central European (Mac)",
  "iso8859-16": "South-Eastern European (ISO-8859-16)",
  cp1251: "Cyrillic (Windows-1251)",
  "mac-cyrillic": "Cyrillic (Mac)",
  "koi8-r": "Cyrillic (KOI8-R)",
  cp1257: "Baltic (Windows-1257)",
  "iso8859-4": "Baltic (ISO-8859-4)",
  cp1253: "Greek (Windows-1253)",
  cp1254: "Turkish (Windows-1254)",
  cp1255: "Hebrew (Windows-1255)",
  cp1256: "Arabic (Windows-1256)",
  shift_jis: "Japanese (Shift-JIS)",
  cp932: "Japanese (Shift-JIS, Windows)",
  gb18030: "Chinese (GB18030)",
  big5: "Chinese, traditional (Big5)",
  ascii: "ASCII",
};

/** "cp1252" -> "Western European (Windows-1252)"; an unknown codec keeps its name. */
export function describeEncoding(encoding: string): string {
  return NAMES[encoding.toLowerCase()] ?? encoding;
}
