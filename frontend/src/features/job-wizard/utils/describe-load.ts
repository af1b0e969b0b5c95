import { formatDuration, formatNumber } from "@/lib/format";
import { OVERLAP_EFFECT } from "@/lib/run-overlap";
import type { JobCreate } from "@/types/api";

function quoteList(names: string[]): string {
  const quoted = names.map((name) => `“${name}”`);
  return quoted.length <= 1 ? (quoted[0] ?? "") : `${quoted.slice(0, -1).join(", ")} and ${quoted.at(-1)}`;
}

/**
 * What the load will do to the destination, in plain words, one sentence per fact, for the review
 * step. `rowEstimate` is the profiler's estimate of the file's data rows.
 */
export function describeLoad(job: JobCreate, rowEstimate: number | null): string[] {
  const table = `${job.target_schema}.${job.target_table}`;
  const rows = rowEstimate === null ? "the file's rows" : `about ${formatNumber(rowEstimate)} rows`;
  const replacement = `the rows of this file${rowEstimate === null ? "" : ` (about ${formatNumber(rowEstimate)})`}`;
  const columns = (job.mappings ?? []).filter((m) => m.include).length;
  const sentences: string[] = [];

  if (job.source_type === "files") {
    const which = job.source_options?.mode === "latest" ? "only the newest file" : "every file not loaded yet";
    const empty = job.source_options?.on_empty === "fail" ? "fails" : "ends with “Nothing to load”";
    sentences.push(
      `Each run reads ${which} matching ${job.source_pattern ?? ""} in the drop directory, shaped like this sample; a run that finds none ${empty}.`,
    );
  }

  if (job.create_table) {
    sentences.push(`A new table ${table} will be created with ${columns} column${columns === 1 ? "" : "s"}.`);
  }
  switch (job.strategy) {
    case "INSERT":
      sentences.push(
        job.create_table
          ? `${capitalize(rows)} will be inserted into it.`
          : `${capitalize(rows)} will be appended to ${table}. Rows already in the table are kept, and duplicates are not checked.`,
      );
      break;
    case "UPSERT":
      sentences.push(
        `Rows whose ${quoteList(job.upsert_keys ?? [])} match${job.upsert_keys?.length === 1 ? "es" : ""} a row already in ${table} will update it; the others will be inserted. Rows that are not in the file stay as they are.`,
      );
      break;
    case "TRUNCATE_INSERT":
      sentences.push(
        job.create_table
          ? `If ${table} already exists when the job runs, every row in it will be deleted and replaced by ${replacement}.`
          : `Every row now in ${table} will be deleted and replaced by ${replacement}.`,
      );
      break;
  }
  sentences.push(
    "Nothing changes in the destination until the whole file has been read and staged; if the run fails, the table is left exactly as it was.",
  );
  if (job.reject_threshold_count !== null) {
    sentences.push(
      `Rows with values that cannot be converted are skipped and kept for review; the run fails if more than ${formatNumber(job.reject_threshold_count)} are rejected.`,
    );
  } else if (job.reject_threshold_percent !== null) {
    sentences.push(
      `Rows with values that cannot be converted are skipped and kept for review; the run fails if more than ${job.reject_threshold_percent}% of rows are rejected.`,
    );
  } else {
    sentences.push("A single row with a value that cannot be converted fails the run, and nothing is loaded.");
  }
  const cap = job.max_rows_per_second;
  if (cap != null) {
    const least = rowEstimate === null ? "" : `, so this file takes at least ${formatDuration(rowEstimate / cap)}`;
    sentences.push(`The load reads at most ${formatNumber(cap)} rows per second${least}.`);
  }
  sentences.push(
    job.allow_concurrent_runs
      ? `Runs may overlap: ${OVERLAP_EFFECT[job.strategy ?? "INSERT"]}.`
      : "One run at a time: executing the job while a run is going shows that run instead of starting another.",
  );
  return sentences;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
