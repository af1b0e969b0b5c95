import { ArrowDownIcon, ArrowUpIcon, PlusIcon, Trash2Icon, XIcon } from "lucide-react";
import * as React from "react";

import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Checkbox } from "@/components/ui/checkbox";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import {
  DATE_PART_LABELS,
  DATE_PARTS,
  ROW_TRANSFORM_HINTS,
  ROW_TRANSFORM_LABELS,
  columnsAfter,
  columnsBefore,
  isTemporal,
  missingFields,
  newRowTransform,
  type Branch,
  type RowColumn,
  type RowTransformType,
} from "@/features/row-transforms/utils/row-transforms";
import { COLUMN_TYPES, type RowTransform } from "@/types/api";

type Args = Record<string, unknown>;
type FieldProps = { id: string; args: Args; set: (patch: Args) => void; columns: RowColumn[]; disabled: boolean };

const AUTOMATIC = "__automatic__";

function Field({ id, label, children }: { id: string; label: string; children: React.ReactNode }) {
  return (
    <div className="flex min-w-36 flex-1 flex-col gap-1">
      <Label htmlFor={id} className="text-xs">
        {label}
      </Label>
      {children}
    </div>
  );
}

function TextField({ id, label, value, onChange, disabled, mono = false, placeholder }: {
  id: string;
  label: string;
  value: unknown;
  onChange: (value: string) => void;
  disabled: boolean;
  mono?: boolean;
  placeholder?: string;
}) {
  return (
    <Field id={id} label={label}>
      <Input
        id={id}
        className={mono ? "h-8 font-mono" : "h-8"}
        value={typeof value === "string" || typeof value === "number" ? String(value) : ""}
        placeholder={placeholder}
        disabled={disabled}
        onChange={(event) => onChange(event.target.value)}
      />
    </Field>
  );
}

function ColumnSelect({ id, label, value, columns, onChange, disabled, placeholder = "Column" }: {
  id: string;
  label: string;
  value: unknown;
  columns: RowColumn[];
  onChange: (name: string) => void;
  disabled: boolean;
  placeholder?: string;
}) {
  return (
    <Field id={id} label={label}>
      <Select value={typeof value === "string" ? value : ""} onValueChange={onChange} disabled={disabled}>
        <SelectTrigger id={id} size="sm">
          <SelectValue placeholder={placeholder} />
        </SelectTrigger>
        <SelectContent>
          {columns.map((column) => (
            <SelectItem key={column.name} value={column.name}>
              {column.name}
            </SelectItem>
          ))}
        </SelectContent>
      </Select>
    </Field>
  );
}

/** An ordered pick of columns (concat's parts): chips in order, removable, and a select to add one. */
function ColumnList({ id, label, value, columns, onChange, disabled }: {
  id: string;
  label: string;
  value: unknown;
  columns: RowColumn[];
  onChange: (names: string[]) => void;
  disabled: boolean;
}) {
  const names = Array.isArray(value) ? (value as string[]) : [];
  return (
    <Field id={id} label={label}>
      <div className="flex flex-wrap items-center gap-1" data-testid={`${id}-chips`}>
        {names.map((name, index) => (
          <Badge key={`${name}-${index}`} variant="secondary" className="gap-1">
            {name}
            {!disabled && (
              <button type="button" aria-label={`Remove ${name}`} onClick={() => onChange(names.filter((_, i) => i !== index))}>
                <XIcon className="size-3" />
              </button>
            )}
          </Badge>
        ))}
        <Select value="" onValueChange={(name) => onChange([...names, name])} disabled={disabled}>
          <SelectTrigger id={id} size="sm" className="w-36">
            <SelectValue placeholder="Add a column" />
          </SelectTrigger>
          <SelectContent>
            {columns.map((column) => (
              <SelectItem key={column.name} value={column.name}>
                {column.name}
              </SelectItem>
            ))}
          </SelectContent>
        </Select>
      </div>
    </Field>
  );
}

function IntoField({ id, args, set, disabled }: FieldProps) {
  return (
    <TextField
      id={`${id}-into`}
      label="Into column (new or mapped)"
      value={args.into}
      onChange={(into) => set({ into })}
      disabled={disabled}
    />
  );
}

/** `then`/`else`: a value typed in (empty = NULL), or a column's value. */
function BranchField({ id, label, value, columns, onChange, disabled }: {
  id: string;
  label: string;
  value: Branch | undefined;
  columns: RowColumn[];
  onChange: (value: Branch) => void;
  disabled: boolean;
}) {
  const isColumn = value !== null && typeof value === "object";
  return (
    <div className="flex min-w-56 flex-1 items-end gap-1">
      <Field id={`${id}-kind`} label={`${label}: a value or a column`}>
        <Select
          value={isColumn ? "column" : "value"}
          onValueChange={(kind) => onChange(kind === "column" ? { column: "" } : "")}
          disabled={disabled}
        >
          <SelectTrigger id={`${id}-kind`} size="sm" className="w-28">
            <SelectValue />
          </SelectTrigger>
          <SelectContent>
            <SelectItem value="value">Value</SelectItem>
            <SelectItem value="column">Column</SelectItem>
          </SelectContent>
        </Select>
      </Field>
      {isColumn ? (
        <ColumnSelect
          id={id}
          label={label}
          value={value.column}
          columns={columns}
          onChange={(column) => onChange({ column })}
          disabled={disabled}
        />
      ) : (
        <TextField
          id={id}
          label={label}
          value={value ?? ""}
          placeholder="empty = NULL"
          onChange={(text) => onChange(text === "" ? null : text)}
          disabled={disabled}
        />
      )}
    </div>
  );
}

function TransformFields({ type, ...props }: FieldProps & { type: RowTransformType }) {
  const { id, args, set, columns, disabled } = props;
  switch (type) {
    case "filter":
      return (
        <TextField
          id={`${id}-expression`}
          label="Expression (true keeps the row)"
          value={args.expression}
          onChange={(expression) => set({ expression })}
          placeholder="amount > 0 and country == 'DE'"
          disabled={disabled}
          mono
        />
      );
    case "dedupe": {
      const keys = Array.isArray(args.keys) ? (args.keys as string[]) : [];
      return (
        <>
          <fieldset className="flex min-w-56 flex-1 flex-col gap-1" disabled={disabled}>
            <legend className="text-xs font-medium">Key columns</legend>
            <div className="flex flex-wrap gap-3">
              {columns.map((column) => (
                <label key={column.name} className="flex items-center gap-1 text-sm">
                  <Checkbox
                    aria-label={`Key ${column.name}`}
                    checked={keys.includes(column.name)}
                    disabled={disabled}
                    onCheckedChange={(checked) =>
                      set({ keys: checked ? [...keys, column.name] : keys.filter((k) => k !== column.name) })
                    }
                  />
                  {column.name}
                </label>
              ))}
            </div>
          </fieldset>
          <Field id={`${id}-keep`} label="Keep">
            <Select value={String(args.keep ?? "first")} onValueChange={(keep) => set({ keep })} disabled={disabled}>
              <SelectTrigger id={`${id}-keep`} size="sm">
                <SelectValue />
              </SelectTrigger>
              <SelectContent>
                <SelectItem value="first">The first row of each key</SelectItem>
                <SelectItem value="last">The last row of each key</SelectItem>
              </SelectContent>
            </Select>
          </Field>
        </>
      );
    }
    case "concat":
      return (
        <>
          <ColumnList
            id={`${id}-columns`}
            label="Columns, in order"
            value={args.columns}
            columns={columns}
            onChange={(names) => set({ columns: names })}
            disabled={disabled}
          />
          <TextField id={`${id}-separator`} label="Separator" value={args.separator} onChange={(separator) => set({ separator })} disabled={disabled} />
          <IntoField {...props} />
        </>
      );
    case "split":
      return (
        <>
          <ColumnSelect id={`${id}-column`} label="Column" value={args.column} columns={columns} onChange={(column) => set({ column })} disabled={disabled} />
          <TextField id={`${id}-separator`} label="Separator" value={args.separator} onChange={(separator) => set({ separator })} disabled={disabled} />
          <TextField
            id={`${id}-index`}
            label="Part (0 the first, -1 the last)"
            value={args.index}
            onChange={(text) => set({ index: /^-?\d+$/.test(text.trim()) ? Number(text) : text })}
            disabled={disabled}
          />
          <IntoField {...props} />
        </>
      );
    case "date_part":
      return (
        <>
          <ColumnSelect
            id={`${id}-column`}
            label="Date or timestamp column"
            value={args.column}
            columns={columns.filter(isTemporal)}
            onChange={(column) => set({ column })}
            disabled={disabled}
          />
          <Field id={`${id}-part`} label="Part">
            <Select value={String(args.part ?? "year")} onValueChange={(part) => set({ part })} disabled={disabled}>
              <SelectTrigger id={`${id}-part`} size="sm">
                <SelectValue />
              </SelectTrigger>
              <SelectContent>
                {DATE_PARTS.map((part) => (
                  <SelectItem key={part} value={part}>
                    {DATE_PART_LABELS[part]}
                  </SelectItem>
                ))}
              </SelectContent>
            </Select>
          </Field>
          <TextField
            id={`${id}-timezone`}
            label="Time zone (zoned timestamps)"
            value={args.timezone}
            placeholder="UTC"
            onChange={(timezone) => set({ timezone: timezone.trim() ? timezone : undefined })}
            disabled={disabled}
          />
          <IntoField {...props} />
        </>
      );
    case "conditional":
      return (
        <>
          <TextField
            id={`${id}-when`}
            label="When (expression)"
            value={args.when}
            onChange={(when) => set({ when })}
            placeholder="amount >= 1000"
            disabled={disabled}
            mono
          />
          <BranchField id={`${id}-then`} label="Then" value={args.then as Branch} columns={columns} onChange={(then) => set({ then })} disabled={disabled} />
          <BranchField id={`${id}-else`} label="Else" value={args.else as Branch} columns={columns} onChange={(value) => set({ else: value })} disabled={disabled} />
          <IntoField {...props} />
          <Field id={`${id}-type`} label="Type of a new column">
            <Select
              value={typeof args.type === "string" ? args.type : AUTOMATIC}
              onValueChange={(type) => set({ type: type === AUTOMATIC ? undefined : type })}
              disabled={disabled}
            >
              <SelectTrigger id={`${id}-type`} size="sm">
                <SelectValue />
              </SelectTrigger>
              <SelectContent>
                <SelectItem value={AUTOMATIC}>As the values are</SelectItem>
                {COLUMN_TYPES.map((type) => (
                  <SelectItem key={type} value={type}>
                    {type}
                  </SelectItem>
                ))}
              </SelectContent>
            </Select>
          </Field>
        </>
      );
  }
}

/**
 * A job's row transforms, applied in order to the mapped rows: edit, reorder, remove, add.
 * `columns` are the mapped destination columns; a transform may also read the columns the ones
 * before it add. `problems` are the server's findings (one sentence each, "row transform 2 (split): ...").
 */
export function RowTransformsEditor({
  value,
  onChange,
  columns,
  problems = [],
  disabled = false,
}: {
  value: RowTransform[];
  onChange: (transforms: RowTransform[]) => void;
  columns: RowColumn[];
  problems?: string[];
  disabled?: boolean;
}) {
  const [adding, setAdding] = React.useState<RowTransformType>("filter");
  const readable = columnsBefore(value, columns);
  const added = columnsAfter(value, columns).slice(columns.length);

  function replace(index: number, next: RowTransform) {
    onChange(value.map((t, i) => (i === index ? next : t)));
  }
  function move(index: number, by: number) {
    const other = index + by;
    onChange(value.map((t, i) => (i === index ? value[other] : i === other ? value[index] : t) ?? t));
  }

  return (
    <section className="flex flex-col gap-3" aria-label="Row transforms">
      <ol className="flex flex-col gap-2">
        {value.length === 0 && <li className="text-sm text-muted-foreground">No row transforms: every mapped row is loaded.</li>}
        {value.map((transform, index) => {
          const label = ROW_TRANSFORM_LABELS[transform.type];
          const id = `row-transform-${index}`;
          const missing = missingFields(transform);
          const set = (patch: Args) => {
            const args = { ...transform.args, ...patch };
            for (const key of Object.keys(patch)) if (patch[key] === undefined) delete args[key];
            replace(index, { ...transform, args });
          };
          return (
            <li key={index} className="flex flex-col gap-2 rounded-md border p-3" data-testid={id}>
              <div className="flex items-center gap-2">
                <span className="text-sm font-medium">
                  {index + 1}. {label}
                </span>
                {missing.length > 0 && <Badge variant="outline">Needs {missing.join(", ")}</Badge>}
                <span className="ml-auto flex gap-1">
                  <Button variant="ghost" size="icon" aria-label={`Move ${index + 1}. ${label} up`} disabled={disabled || index === 0} onClick={() => move(index, -1)}>
                    <ArrowUpIcon />
                  </Button>
                  <Button
                    variant="ghost"
                    size="icon"
                    aria-label={`Move ${index + 1}. ${label} down`}
                    disabled={disabled || index === value.length - 1}
                    onClick={() => move(index, 1)}
                  >
                    <ArrowDownIcon />
                  </Button>
                  <Button variant="ghost" size="icon" aria-label={`Remove ${index + 1}. ${label}`} disabled={disabled} onClick={() => onChange(value.filter((_, i) => i !== index))}>
                    <Trash2Icon />
                  </Button>
                </span>
              </div>
              <p className="text-xs text-muted-foreground">{ROW_TRANSFORM_HINTS[transform.type]}</p>
              <div className="flex flex-wrap items-end gap-2">
                <TransformFields type={transform.type} id={id} args={transform.args} set={set} columns={readable[index] ?? columns} disabled={disabled} />
              </div>
            </li>
          );
        })}
      </ol>
      {problems.length > 0 && (
        <ul role="alert" className="flex flex-col gap-1 text-sm text-destructive">
          {problems.map((problem) => (
            <li key={problem}>{problem}</li>
          ))}
        </ul>
      )}
      {added.length > 0 && (
        <p className="text-sm text-muted-foreground" data-testid="row-transforms-new-columns">
          New columns: {added.map((c) => `${c.name} (${c.type})`).join(", ")}
        </p>
      )}
      {!disabled && (
        <div className="flex flex-wrap items-end gap-2">
          <div className="flex flex-col gap-1">
            <Label htmlFor="row-transform-add-type" className="text-xs">
              Add a row transform
            </Label>
            <Select value={adding} onValueChange={(v) => setAdding(v as RowTransformType)}>
              <SelectTrigger id="row-transform-add-type" size="sm" className="w-48">
                <SelectValue />
              </SelectTrigger>
              <SelectContent>
                {(Object.keys(ROW_TRANSFORM_LABELS) as RowTransformType[]).map((type) => (
                  <SelectItem key={type} value={type}>
                    {ROW_TRANSFORM_LABELS[type]}
                  </SelectItem>
                ))}
              </SelectContent>
            </Select>
          </div>
          <Button variant="outline" size="sm" onClick={() => onChange([...value, newRowTransform(adding)])}>
            <PlusIcon />
            Add
          </Button>
        </div>
      )}
    </section>
  );
}
