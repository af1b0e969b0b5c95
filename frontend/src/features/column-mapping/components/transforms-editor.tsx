import { PlusIcon, Trash2Icon, WandSparklesIcon } from "lucide-react";
import * as React from "react";

import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
  DialogTrigger,
} from "@/components/ui/dialog";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { TRANSFORM_ARGS, TRANSFORM_LABELS } from "@/features/column-mapping/utils/transforms";
import { COLUMN_TYPES, type Transform, type TransformType } from "@/types/api";

function TransformArgs({ transform, onChange }: { transform: Transform; onChange: (t: Transform) => void }) {
  return (
    <>
      {TRANSFORM_ARGS[transform.type].map((arg) => {
        const id = `transform-arg-${arg.name}`;
        const value = typeof transform[arg.name] === "string" ? (transform[arg.name] as string) : "";
        return (
          <div key={arg.name} className="flex min-w-32 flex-1 flex-col gap-1">
            <Label htmlFor={id} className="text-xs">
              {arg.label}
            </Label>
            {arg.name === "type" ? (
              <Select value={value} onValueChange={(v) => onChange({ ...transform, [arg.name]: v })}>
                <SelectTrigger id={id} size="sm">
                  <SelectValue placeholder="Type" />
                </SelectTrigger>
                <SelectContent>
                  {COLUMN_TYPES.map((type) => (
                    <SelectItem key={type} value={type}>
                      {type}
                    </SelectItem>
                  ))}
                </SelectContent>
              </Select>
            ) : (
              <Input
                id={id}
                className="h-8"
                value={value}
                onChange={(event) => onChange({ ...transform, [arg.name]: event.target.value })}
              />
            )}
          </div>
        );
      })}
    </>
  );
}

/** The ordered transforms of one column, edited in a dialog and applied when saved. */
export function TransformsEditor({
  columnName,
  value,
  onChange,
  testId,
}: {
  columnName: string;
  value: Transform[];
  onChange: (transforms: Transform[]) => void;
  testId?: string;
}) {
  const [open, setOpen] = React.useState(false);
  const [draft, setDraft] = React.useState<Transform[]>(value);
  const [adding, setAdding] = React.useState<TransformType>("trim");

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        if (next) setDraft(value);
        setOpen(next);
      }}
    >
      <DialogTrigger asChild>
        <Button variant="ghost" size="sm" data-testid={testId} aria-label={`Transforms of ${columnName}`}>
          <WandSparklesIcon />
          {value.length > 0 ? <Badge variant="secondary">{value.length}</Badge> : <span className="sr-only md:not-sr-only">None</span>}
        </Button>
      </DialogTrigger>
      <DialogContent className="sm:max-w-xl">
        <DialogHeader>
          <DialogTitle>Transforms of {columnName}</DialogTitle>
          <DialogDescription>Applied in order to each value before it is converted to the column's type.</DialogDescription>
        </DialogHeader>
        <ol className="flex flex-col gap-2">
          {draft.length === 0 && <li className="text-sm text-muted-foreground">No transforms: values are loaded as read.</li>}
          {draft.map((transform, index) => (
            <li key={index} className="flex flex-wrap items-end gap-2 rounded-md border p-2">
              <span className="min-w-32 self-center text-sm font-medium">
                {index + 1}. {TRANSFORM_LABELS[transform.type]}
              </span>
              <TransformArgs
                transform={transform}
                onChange={(next) => setDraft(draft.map((t, i) => (i === index ? next : t)))}
              />
              <Button
                variant="ghost"
                size="icon"
                aria-label={`Remove ${TRANSFORM_LABELS[transform.type]}`}
                onClick={() => setDraft(draft.filter((_, i) => i !== index))}
              >
                <Trash2Icon />
              </Button>
            </li>
          ))}
        </ol>
        <div className="flex flex-wrap items-end gap-2">
          <div className="flex flex-col gap-1">
            <Label htmlFor="transform-add-type" className="text-xs">
              Add a transform
            </Label>
            <Select value={adding} onValueChange={(v) => setAdding(v as TransformType)}>
              <SelectTrigger id="transform-add-type" size="sm" className="w-48">
                <SelectValue />
              </SelectTrigger>
              <SelectContent>
                {(Object.keys(TRANSFORM_LABELS) as TransformType[]).map((type) => (
                  <SelectItem key={type} value={type}>
                    {TRANSFORM_LABELS[type]}
                  </SelectItem>
                ))}
              </SelectContent>
            </Select>
          </div>
          <Button variant="outline" size="sm" onClick={() => setDraft([...draft, { type: adding }])}>
            <PlusIcon />
            Add
          </Button>
        </div>
        <DialogFooter>
          <Button variant="outline" onClick={() => setOpen(false)}>
            Cancel
          </Button>
          <Button
            onClick={() => {
              onChange(draft);
              setOpen(false);
            }}
          >
            Apply
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
