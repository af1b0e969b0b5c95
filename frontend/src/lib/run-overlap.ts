import type { LoadStrategy } from "@/types/api";

/** What a run started while another run of the same job is going does, by the job's strategy: said
 * by the wizard (jobs that allow overlapping runs) and by Execute's confirmation. */
export const OVERLAP_EFFECT: Record<LoadStrategy, string> = {
  INSERT: "each run appends the file's rows again, so the table gets them once per run",
  UPSERT: "each run merges the same rows on the keys, so the table holds each row once",
  TRUNCATE_INSERT: "each run replaces the whole table in turn; the last to finish wins",
  INCREMENTAL: "each run reads from the last committed cursor and merges on the keys, so the table holds each row once",
};
