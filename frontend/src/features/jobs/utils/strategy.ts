import type { JobRead, LoadStrategy, SourceType } from "@/types/api";

export const SOURCE_TYPE_LABEL: Record<SourceType, string> = {
  upload: "File",
  files: "Arriving files",
  tables: "Tables",
  query: "Query",
};

export const STRATEGY_LABEL: Record<LoadStrategy, string> = {
  INSERT: "Append",
  UPSERT: "Upsert",
  TRUNCATE_INSERT: "Replace",
  INCREMENTAL: "Incremental",
};

/** What a run of this job does to the target table, in plain words. */
export function strategyInWords(job: Pick<JobRead, "strategy" | "upsert_keys" | "create_table">): string {
  const create = job.create_table ? " The table is created on the first run if it does not exist." : "";
  switch (job.strategy) {
    case "INSERT":
      return `Adds the file's rows to the table; existing rows are kept.${create}`;
    case "UPSERT":
      return `Updates rows whose ${(job.upsert_keys ?? []).join(", ") || "key"} already exist${
        (job.upsert_keys ?? []).length > 1 ? "" : "s"
      } and adds the others.${create}`;
    case "TRUNCATE_INSERT":
      return `Replaces everything in the table with the file's rows, in one transaction.${create}`;
    case "INCREMENTAL":
      return `Reads only the rows past the last loaded cursor value and merges them on ${(job.upsert_keys ?? []).join(", ") || "the key"}.${create}`;
  }
}
