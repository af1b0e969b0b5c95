// Date formats as the API writes them (strftime directives, docs/architecture.md) and as people read them.

const DIRECTIVES: Record<string, string> = {
  "%d": "DD",
  "%m": "MM",
  "%Y": "YYYY",
  "%H": "HH",
  "%I": "hh",
  "%M": "mm",
  "%S": "ss",
  "%p": "AM/PM",
};

/** "%d.%m.%Y %H:%M" -> "DD.MM.YYYY HH:mm". */
export function describeDateFormat(format: string): string {
  return format.replace(/%./g, (directive) => DIRECTIVES[directive] ?? directive);
}

/** Formats a user can pick for a column detection left as text or read the wrong way round. */
export const DATE_FORMAT_CHOICES = [
  "%d.%m.%Y",
  "%d/%m/%Y",
  "%d-%m-%Y",
  "%m/%d/%Y",
  "%Y/%m/%d",
  "%d.%m.%Y %H:%M:%S",
  "%d.%m.%Y %H:%M",
  "%d/%m/%Y %H:%M:%S",
  "%d/%m/%Y %H:%M",
  "%m/%d/%Y %H:%M:%S",
  "%m/%d/%Y %I:%M %p",
  "%m/%d/%Y %I:%M:%S %p",
] as const;

/** Types a date format applies to: a dated column, or text that may hold dates. */
export function takesDateFormat(type: string): boolean {
  return ["DATE", "TIMESTAMP", "TIMESTAMPTZ", "TEXT"].includes(type);
}
