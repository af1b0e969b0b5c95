import { CheckCircle2Icon, XCircleIcon } from "lucide-react";
import * as React from "react";

import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Spinner } from "@/components/ui/spinner";
import { useValidateExpression } from "@/lib/requests/validate-expression";
import { useDebouncedValue } from "@/hooks/use-debounced-value";
import { toApiError } from "@/lib/api-client";
import type { ColumnType } from "@/types/api";

export const EXPRESSION_DEBOUNCE_MS = 400;

/** A calculated column's expression, checked by the server a moment after typing stops. */
export function ExpressionField({
  id,
  fileId,
  value,
  onChange,
  currentType,
  followInferredType,
  onUseType,
}: {
  id: string;
  fileId: string;
  value: string;
  onChange: (expression: string) => void;
  currentType: ColumnType;
  /** Take the expression's type as it is checked (until the user picks a type). */
  followInferredType: boolean;
  /** Called with the expression's type: by "Use <type>", or on its own when following it. */
  onUseType: (type: ColumnType) => void;
}) {
  const debounced = useDebouncedValue(value.trim(), EXPRESSION_DEBOUNCE_MS);
  const check = useValidateExpression(fileId, debounced);
  const settled = debounced === value.trim();
  const statusId = `${id}-status`;
  const inferredType = settled && check.data?.valid ? check.data.type : null;

  React.useEffect(() => {
    if (followInferredType && inferredType && inferredType !== currentType) onUseType(inferredType);
  }, [followInferredType, inferredType, currentType, onUseType]);

  let status: React.ReactNode = (
    <span className="text-muted-foreground">
      Refer to columns by SQL name; use + - * /, comparisons and upper lower trim length concat round abs coalesce iif year month day.
    </span>
  );
  let invalid = false;
  if (debounced && (!settled || check.isFetching)) {
    status = (
      <span className="flex items-center gap-1 text-muted-foreground">
        <Spinner className="size-3" /> Checking…
      </span>
    );
  } else if (check.isError) {
    invalid = true;
    status = <span className="text-destructive">{toApiError(check.error).message}</span>;
  } else if (check.data && !check.data.valid) {
    invalid = true;
    status = (
      <span className="flex items-center gap-1 text-destructive">
        <XCircleIcon className="size-3 shrink-0" aria-hidden />
        {check.data.error}
        {check.data.position != null && ` (at character ${check.data.position + 1})`}
      </span>
    );
  } else if (check.data?.valid) {
    const inferred = check.data.type;
    const sample = (check.data.sample ?? []).slice(0, 3).map((v) => (v === null ? "null" : String(v)));
    status = (
      <span className="flex flex-wrap items-center gap-1 text-emerald-700 dark:text-emerald-400">
        <CheckCircle2Icon className="size-3 shrink-0" aria-hidden />
        Valid{inferred ? ` · ${inferred}` : ""}
        {sample.length > 0 && <span className="text-muted-foreground">{` · e.g. ${sample.join(", ")}`}</span>}
        {inferred && inferred !== currentType && (
          <Button variant="link" size="sm" className="h-auto p-0 text-xs" onClick={() => onUseType(inferred)}>
            Use {inferred}
          </Button>
        )}
      </span>
    );
  }

  return (
    <div className="flex min-w-64 flex-col gap-1">
      <Input
        id={id}
        value={value}
        onChange={(event) => onChange(event.target.value)}
        placeholder="e.g. amount * 1.2"
        aria-label="Expression"
        aria-invalid={invalid || undefined}
        aria-describedby={statusId}
        className="font-mono"
        data-testid={`${id}`}
      />
      <div id={statusId} className="text-xs" aria-live="polite" data-testid={`${id}-status`}>
        {status}
      </div>
    </div>
  );
}
