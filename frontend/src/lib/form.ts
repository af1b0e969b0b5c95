/** aria props for a control whose field shows `error` (the FormField's `${id}-error` paragraph). */
export function invalidProps(id: string, error: string | undefined) {
  return error ? { "aria-invalid": true, "aria-describedby": `${id}-error` } : {};
}
