/** ARIA for a field with an error: invalid, described by its message (`<id>-error`). */
export function invalidProps(error: unknown, id: string) {
  return error ? { "aria-invalid": true as const, "aria-describedby": `${id}-error` } : {};
}
