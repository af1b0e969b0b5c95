import { ArrowRightIcon, CalculatorIcon, ListChecksIcon, PlusIcon, RotateCcwIcon, SparklesIcon, Trash2Icon } from "lucide-react";

import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Checkbox } from "@/components/ui/checkbox";
import { Input } from "@/components/ui/input";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { TypeBadge } from "@/components/ui/type-badge";
import { ExpressionField } from "@/features/column-mapping/components/expression-field";
import { TransformsEditor } from "@/features/column-mapping/components/transforms-editor";
import { autoMatch, calculatedRow, mappingRowsFromFile, type MappingEditorProps, type MappingRow } from "@/lib/mapping-rows";
import { describeTransform } from "@/features/column-mapping/utils/transforms";
import { cn } from "@/lib/utils";
import { COLUMN_TYPES, type ColumnType } from "@/types/api";

function rowTestId(row: MappingRow): string {
  return row.source_column ?? row.key.replace(/[^A-Za-z0-9_-]/g, "-");
}

/**
 * Which file columns go where: include/exclude, target name and type, transforms, and calculated
 * columns. Controlled: the caller owns `value` (the job wizard keeps it in its form across steps).
 */
export function ColumnMappingEditor({ fileId, sourceColumns, targetColumns, value, onChange, problems }: MappingEditorProps) {
  const update = (key: string, patch: Partial<MappingRow>) =>
    onChange(value.map((row) => (row.key === key ? { ...row, ...patch } : row)));
  const included = value.filter((row) => row.include).length;
  const allIncluded = value.every((row) => row.include);
  const targetNames = targetColumns?.map((column) => column.name) ?? [];
  const general = problems.get("");

  return (
    <div className="flex flex-col gap-4" data-testid="column-mapping-editor">
      <div className="flex flex-wrap items-center gap-2">
        {targetColumns ? (
          <Button variant="outline" size="sm" onClick={() => onChange(autoMatch(value, targetColumns))} data-testid="auto-match-button">
            <SparklesIcon />
            Auto-match by name
          </Button>
        ) : (
          <Button
            variant="outline"
            size="sm"
            onClick={() => onChange([...mappingRowsFromFile(sourceColumns), ...value.filter((row) => row.source_column === null)])}
            data-testid="reset-mapping-button"
          >
            <RotateCcwIcon />
            Reset from file
          </Button>
        )}
        <Button
          variant="outline"
          size="sm"
          onClick={() => onChange(value.map((row) => ({ ...row, include: !allIncluded })))}
        >
          <ListChecksIcon />
          {allIncluded ? "Exclude all" : "Include all"}
        </Button>
        <Button variant="outline" size="sm" onClick={() => onChange([...value, calculatedRow(value)])} data-testid="add-calculated-column">
          <PlusIcon />
          Add calculated column
        </Button>
        <span className="ml-auto text-sm text-muted-foreground" aria-live="polite">
          {included} of {value.length} columns included
        </span>
      </div>

      {general && (
        <Alert variant="destructive">
          <AlertDescription>{general}</AlertDescription>
        </Alert>
      )}

      {targetNames.length > 0 && (
        <datalist id="mapping-target-columns">
          {targetNames.map((name) => (
            <option key={name} value={name} />
          ))}
        </datalist>
      )}

      <div className="rounded-lg border">
        <Table aria-label="Column mapping">
          <TableHeader>
            <TableRow>
              <TableHead className="w-10">
                <span className="sr-only">Include</span>
              </TableHead>
              <TableHead>Source</TableHead>
              <TableHead className="w-6" />
              <TableHead>Target column</TableHead>
              <TableHead>Type</TableHead>
              <TableHead>Transforms</TableHead>
              <TableHead className="w-10">
                <span className="sr-only">Remove</span>
              </TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {value.map((row) => {
              const id = rowTestId(row);
              const label = row.source_name ?? row.target_column;
              const problem = problems.get(row.key);
              return (
                <TableRow
                  key={row.key}
                  data-testid={`mapping-row-${id}`}
                  className={cn(!row.include && "opacity-60")}
                >
                  <TableCell className="align-top">
                    <Checkbox
                      className="mt-2.5"
                      checked={row.include}
                      onCheckedChange={(checked) => update(row.key, { include: checked === true })}
                      aria-label={`Include ${label}`}
                      data-testid={`mapping-include-${id}`}
                    />
                  </TableCell>
                  <TableCell className="align-top">
                    {row.source_column !== null ? (
                      <div className="flex flex-col gap-1 pt-1.5">
                        <span className="max-w-48 truncate font-medium" title={row.source_name ?? undefined}>
                          {row.source_name}
                        </span>
                        {row.source_type && <TypeBadge type={row.source_type} />}
                      </div>
                    ) : (
                      <ExpressionField
                        id={`mapping-expression-${id}`}
                        fileId={fileId}
                        value={row.expression ?? ""}
                        onChange={(expression) => update(row.key, { expression })}
                        currentType={row.target_type}
                        followInferredType={!row.type_set_by_user}
                        onUseType={(target_type) => update(row.key, { target_type, type_set_by_user: false })}
                      />
                    )}
                  </TableCell>
                  <TableCell className="align-top">
                    {row.source_column === null ? (
                      <CalculatorIcon className="mt-2.5 size-4 text-muted-foreground" aria-label="Calculated" />
                    ) : (
                      <ArrowRightIcon className="mt-2.5 size-4 text-muted-foreground" aria-hidden />
                    )}
                  </TableCell>
                  <TableCell className="align-top">
                    <div className="flex min-w-40 flex-col gap-1">
                      <Input
                        value={row.target_column}
                        onChange={(event) => update(row.key, { target_column: event.target.value })}
                        aria-label={`Target column for ${label}`}
                        aria-invalid={problem ? true : undefined}
                        list={targetNames.length > 0 ? "mapping-target-columns" : undefined}
                        disabled={!row.include}
                        className="h-8 font-mono"
                        data-testid={`mapping-target-${id}`}
                      />
                      {problem && row.include && <p className="text-xs text-destructive">{problem}</p>}
                    </div>
                  </TableCell>
                  <TableCell className="align-top">
                    <Select
                      value={row.target_type}
                      onValueChange={(type) => update(row.key, { target_type: type as ColumnType, type_set_by_user: true })}
                      disabled={!row.include}
                    >
                      <SelectTrigger
                        size="sm"
                        className="w-36 font-mono"
                        aria-label={`Type of ${label}`}
                        data-testid={`mapping-type-${id}`}
                      >
                        <SelectValue />
                      </SelectTrigger>
                      <SelectContent>
                        {COLUMN_TYPES.map((type) => (
                          <SelectItem key={type} value={type} className="font-mono">
                            {type}
                          </SelectItem>
                        ))}
                      </SelectContent>
                    </Select>
                  </TableCell>
                  <TableCell className="align-top">
                    <div className="flex items-center gap-1">
                      <TransformsEditor
                        columnName={label}
                        value={row.transforms}
                        onChange={(transforms) => update(row.key, { transforms })}
                        testId={`mapping-transforms-${id}`}
                      />
                      <span className="hidden max-w-48 truncate text-xs text-muted-foreground lg:inline">
                        {row.transforms.map(describeTransform).join(", ")}
                      </span>
                    </div>
                  </TableCell>
                  <TableCell className="align-top">
                    {row.source_column === null && (
                      <Button
                        variant="ghost"
                        size="icon"
                        aria-label={`Remove ${row.target_column || "calculated column"}`}
                        onClick={() => onChange(value.filter((other) => other.key !== row.key))}
                      >
                        <Trash2Icon />
                      </Button>
                    )}
                  </TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      </div>
    </div>
  );
}
