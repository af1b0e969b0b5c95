import { formatBytes } from "@/lib/format";

export const ACCEPTED_EXTENSIONS = [".csv", ".tsv", ".txt", ".csv.gz"] as const;

/**
 * Client-side checks before any byte is sent: the server repeats them, this only spares the user
 * a long upload that is bound to be refused. Returns the reason the file is refused, or null.
 */
export function checkFile(file: Pick<File, "name" | "size">, maxBytes: number | undefined): string | null {
  const name = file.name.toLowerCase();
  if (!ACCEPTED_EXTENSIONS.some((ext) => name.endsWith(ext))) {
    return `“${file.name}” is not a CSV file. Accepted: ${ACCEPTED_EXTENSIONS.join(", ")}.`;
  }
  if (file.size === 0) return `“${file.name}” is empty.`;
  if (maxBytes !== undefined && file.size > maxBytes) {
    return `“${file.name}” is ${formatBytes(file.size)}; the limit is ${formatBytes(maxBytes)}.`;
  }
  return null;
}
