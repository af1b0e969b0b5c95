import { GitCompareArrowsIcon } from "lucide-react";

import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { driftLines } from "@/features/job-runs/utils/table-runs";
import type { SchemaDrift } from "@/types/api";

const POLICY_WORDS: Record<string, string> = {
  fail: "the run fails before loading anything",
  evolve: "new columns are added to the target (never dropped)",
  ignore: "columns the mapping does not know are not read",
};

/** The source's columns found different from the mapping before the run, and what the job's policy did. */
export function SchemaDriftCard({ drift }: { drift: SchemaDrift }) {
  const lines = driftLines(drift);
  return (
    <Alert variant={drift.policy === "fail" ? "destructive" : "warning"} data-testid="schema-drift">
      <GitCompareArrowsIcon />
      <AlertTitle>The source's columns changed</AlertTitle>
      <AlertDescription>
        <ul className="list-disc pl-4 font-mono text-xs">
          {lines.map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
        {drift.policy && (
          <p>
            Policy <span className="font-medium">{drift.policy}</span>: {POLICY_WORDS[drift.policy] ?? drift.policy}
            {drift.action && ` — ${drift.action}`}.
          </p>
        )}
      </AlertDescription>
    </Alert>
  );
}
