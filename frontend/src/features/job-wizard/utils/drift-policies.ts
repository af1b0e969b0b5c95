import type { DriftPolicy } from "@/types/api";

/** What a job does when its source's columns no longer match the mapping (checked before each run). */
export const DRIFT_POLICIES: { value: DriftPolicy; label: string; description: string }[] = [
  { value: "fail", label: "Fail the run", description: "A column added, removed or changed at the source fails the run before anything loads." },
  { value: "evolve", label: "Evolve the target", description: "New source columns are added to the mapping and the target; nothing is dropped." },
  { value: "ignore", label: "Ignore new columns", description: "Columns the mapping does not know are not read; a removed mapped column still fails." },
];
