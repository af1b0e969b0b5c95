import { z } from "zod";

import type { JobCreate } from "@/types/api";

export type DestinationOptions = NonNullable<JobCreate["destination_options"]>;
export type FileFormat = DestinationOptions["format"];
export type DatePart = "year" | "month" | "day" | "hour";

/** The compressions each format takes (the API refuses the others); "" is the format's usual one. */
export const COMPRESSIONS: Record<FileFormat, ("none" | "gzip" | "snappy" | "zstd")[]> = {
  parquet: ["snappy", "zstd", "gzip", "none"],
  csv: ["none", "gzip", "zstd"],
  jsonl: ["none", "gzip", "zstd"],
};

export const PREFIX_VARIABLES = ["job", "run_date", "schema", "table"] as const;
const VARIABLE = /\{\{\s*([a-z_]+)\s*\}\}/g;
const TEMPLATE_TEXT = /^[A-Za-z0-9._=/-]*$/;

/** Why a prefix template would be refused, or null (the API checks the same rules). */
export function prefixProblem(prefix: string): string | null {
  for (const match of prefix.matchAll(VARIABLE)) {
    if (!(PREFIX_VARIABLES as readonly string[]).includes(match[1] ?? "")) {
      return `Unknown variable {{${match[1]}}}: use ${PREFIX_VARIABLES.map((v) => `{{${v}}}`).join(" ")}`;
    }
  }
  const text = prefix.replace(VARIABLE, "x");
  if (!TEMPLATE_TEXT.test(text)) return "Letters, digits, . _ = / - and the variables only";
  if (text.split("/").some((segment, i, all) => (segment === "" && i < all.length - 1) || segment === "." || segment === ".." || segment.startsWith("_"))) {
    return "Every folder needs a name, not '.', '..' or one starting with _";
  }
  return null;
}

export const destinationOptionsSchema = z
  .object({
    format: z.enum(["parquet", "csv", "jsonl"]),
    compression: z.enum(["none", "gzip", "snappy", "zstd"]).nullable(),
    prefix: z.string().trim().min(1, "Give the folder template.").max(512),
    partition_by: z
      .array(z.object({ column: z.string().trim().min(1, "Name the column."), part: z.enum(["year", "month", "day", "hour"]).nullable() }))
      .max(4, "At most 4 folder levels."),
    max_file_mb: z.number({ error: "Enter megabytes." }).int().min(1).max(5120),
    csv_delimiter: z.string().length(1, "One character."),
    csv_header: z.boolean(),
  })
  .superRefine((options, ctx) => {
    if (options.compression && !COMPRESSIONS[options.format].includes(options.compression)) {
      ctx.addIssue({ code: "custom", path: ["compression"], message: `${options.format} files do not take ${options.compression}.` });
    }
    const problem = prefixProblem(options.prefix);
    if (problem) ctx.addIssue({ code: "custom", path: ["prefix"], message: problem });
    const folders = options.partition_by.map((p) => p.part ?? p.column);
    if (new Set(folders).size !== folders.length) {
      ctx.addIssue({ code: "custom", path: ["partition_by"], message: "Two partitions would be the same folder level." });
    }
  });

export const DEFAULT_DESTINATION_OPTIONS: z.infer<typeof destinationOptionsSchema> = {
  format: "parquet",
  compression: null,
  prefix: "{{schema}}/{{table}}/",
  partition_by: [],
  max_file_mb: 256,
  csv_delimiter: ",",
  csv_header: true,
};

/** A saved job's options as the form holds them (every field set), or null for a database job. */
export function optionsFromJob(saved: JobCreate["destination_options"]): z.infer<typeof destinationOptionsSchema> | null {
  if (!saved) return null;
  return {
    ...DEFAULT_DESTINATION_OPTIONS,
    ...saved,
    compression: saved.compression ?? null,
    partition_by: (saved.partition_by ?? []).map((p) => ({ column: p.column, part: p.part ?? null })),
  };
}
