import { GitCompareArrowsIcon } from "lucide-react";

import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { driftLines } from "@/features/job-runs/utils/table-runs";
import type { DriftDiff, SchemaDrift } from "@/types/api";

const POLICY_WORDS: Record<string, string> = {
  fail: "the run fails before loading anything",
  evolve: "new columns are added to the target (never dropped)",
  ignore: "columns the mapping does not know are not read",
};

function DriftDetails({ drift, name }: { drift: DriftDiff; name?: string }) {
  return (
    <div className="flex flex-col gap-1" data-testid={name ? `schema-drift-${name}` : undefined}>
      {name && <p className="font-mono text-xs font-medium">{name}</p>}
      <ul className="list-disc pl-4 font-mono text-xs">
        {driftLines(drift).map((line) => (
          <li key={line}>{line}</li>
        ))}
      </ul>
      {drift.policy && (
        <p>
          Policy <span className="font-medium">{drift.policy}</span>: {POLICY_WORDS[drift.policy] ?? drift.policy}
          {drift.action && ` — ${drift.action}`}
          {drift.columns_added && drift.columns_added.length > 0 && ` (${drift.columns_added.join(", ")})`}.
        </p>
      )}
    </div>
  );
}

/** The source's columns found different from the mapping before the run (one diff, or one per drifting
 * table of a many-table run), and what the job's policy did. */
export function SchemaDriftCard({ drift }: { drift: SchemaDrift }) {
  const perTable = Object.entries(drift.tables ?? {});
  const failed = drift.policy === "fail" || perTable.some(([, diff]) => diff.policy === "fail");
  return (
    <Alert variant={failed ? "destructive" : "warning"} data-testid="schema-drift">
      <GitCompareArrowsIcon />
      <AlertTitle>The source's columns changed</AlertTitle>
      <AlertDescription className="flex flex-col gap-3">
        {perTable.length > 0 ? (
          perTable.map(([name, diff]) => <DriftDetails key={name} name={name} drift={diff} />)
        ) : (
          <DriftDetails drift={drift} />
        )}
      </AlertDescription>
    </Alert>
  );
}
