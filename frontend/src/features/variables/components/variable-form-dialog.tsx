import * as React from "react";
import { toast } from "sonner";

import { FormField } from "@/components/form-field";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { Input } from "@/components/ui/input";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Textarea } from "@/components/ui/textarea";
import { useSourceConnections } from "@/features/variables/api/get-source-connections";
import { useCreateVariable, useUpdateVariable } from "@/features/variables/api/save-variable";
import { VARIABLE_KINDS, type VariableKind, type VariableRead } from "@/features/variables/types";
import { KIND_LABEL, parseValue, valueText } from "@/features/variables/utils/values";
import { toApiError } from "@/lib/api-client";

type FormState = {
  name: string;
  kind: VariableKind;
  description: string;
  value: string;
  connection: string;
  query: string;
};

type Errors = Partial<Record<keyof FormState | "root", string>>;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function initialState(variable: VariableRead | undefined): FormState {
  return {
    name: variable?.name ?? "",
    kind: variable?.kind ?? "static",
    description: variable?.description ?? "",
    value: variable?.kind === "static" ? valueText(variable.value) : "",
    connection: variable?.credential_id != null ? String(variable.credential_id) : "",
    query: variable?.query ?? "",
  };
}

/** What is wrong before sending (the API checks again). */
function problems(form: FormState): Errors {
  const found: Errors = {};
  if (!NAME.test(form.name.trim()) || form.name.trim().length > 64)
    found.name = "Letters, digits and _, not starting with a digit (at most 64).";
  if (form.kind === "db_query") {
    if (!form.connection) found.connection = "Pick the connection the query reads.";
    if (!form.query.trim()) found.query = "One SELECT that returns one row of one column.";
  }
  return found;
}

/** The API's refusals, on the field they are about. */
function apiErrors(error: unknown): Errors {
  const apiError = toApiError(error);
  switch (apiError.code) {
    case "VariableNameTaken":
      return { name: "A variable with this name already exists." };
    case "VariableNameReserved":
      return { name: apiError.message };
    case "ConnectionNotUsable":
      return { connection: apiError.message };
    case "QueryRefused":
      return { query: apiError.message };
    default:
      return { root: apiError.message };
  }
}

/** Create or edit a variable (operators). Give it a new `key` each time it opens: its fields start
 * from `variable` when it mounts. */
export function VariableFormDialog({
  open,
  onOpenChange,
  variable,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  variable?: VariableRead;
}) {
  const [form, setForm] = React.useState<FormState>(() => initialState(variable));
  const [errors, setErrors] = React.useState<Errors>({});
  const connections = useSourceConnections({ enabled: open && form.kind === "db_query" });
  const create = useCreateVariable();
  const update = useUpdateVariable();
  const saving = create.isPending || update.isPending;

  const set = <K extends keyof FormState>(key: K, value: FormState[K]) => setForm((f) => ({ ...f, [key]: value }));

  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    const found = problems(form);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    const body =
      form.kind === "static"
        ? { kind: form.kind, value: parseValue(form.value) }
        : { kind: form.kind, credential_id: Number(form.connection), query: form.query.trim() };
    const full = { name: form.name.trim(), description: form.description.trim() || null, ...body };
    const done = (saved: VariableRead) => {
      toast.success(variable ? `${saved.name} saved` : `${saved.name} created`);
      onOpenChange(false);
    };
    const failed = (error: unknown) => setErrors(apiErrors(error));
    if (variable) update.mutate({ id: variable.id, body: full }, { onSuccess: done, onError: failed });
    else create.mutate(full, { onSuccess: done, onError: failed });
  };

  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent className="sm:max-w-xl">
        <DialogHeader>
          <DialogTitle>{variable ? `Edit ${variable.name}` : "New variable"}</DialogTitle>
          <DialogDescription>
            Jobs use it as {"{{ name }}"} in queries, table names and file paths. Keep secrets out: every viewer sees the values.
          </DialogDescription>
        </DialogHeader>
        <form onSubmit={submit} noValidate className="flex flex-col gap-4" aria-label="Variable">
          <FormField id="variable-name" label="Name" error={errors.name}>
            <Input
              id="variable-name"
              className="font-mono"
              value={form.name}
              onChange={(e) => set("name", e.target.value)}
              aria-invalid={errors.name ? true : undefined}
              aria-describedby={errors.name ? "variable-name-error" : undefined}
            />
          </FormField>
          <FormField id="variable-kind" label="Kind">
            <Select value={form.kind} onValueChange={(kind) => set("kind", kind as VariableKind)}>
              <SelectTrigger id="variable-kind">
                <SelectValue />
              </SelectTrigger>
              <SelectContent>
                {VARIABLE_KINDS.map((kind) => (
                  <SelectItem key={kind} value={kind}>
                    {KIND_LABEL[kind]}
                  </SelectItem>
                ))}
              </SelectContent>
            </Select>
          </FormField>
          {form.kind === "static" ? (
            <FormField
              id="variable-value"
              label="Value"
              hint='JSON when it reads as JSON (42, true, {"a": 1}); anything else is text. Quote a number to keep it text: "42".'
            >
              <Input id="variable-value" className="font-mono" value={form.value} onChange={(e) => set("value", e.target.value)} />
            </FormField>
          ) : (
            <>
              <FormField id="variable-connection" label="Connection" error={errors.connection}>
                <Select value={form.connection} onValueChange={(value) => set("connection", value)}>
                  <SelectTrigger id="variable-connection" aria-invalid={errors.connection ? true : undefined}>
                    <SelectValue placeholder={connections.isPending ? "Loading connections…" : "A PostgreSQL or MySQL source"} />
                  </SelectTrigger>
                  <SelectContent>
                    {(connections.data ?? []).map((c) => (
                      <SelectItem key={c.id} value={String(c.id)}>
                        {c.name}
                      </SelectItem>
                    ))}
                  </SelectContent>
                </Select>
              </FormField>
              <FormField
                id="variable-query"
                label="Query"
                error={errors.query}
                hint="Run read-only when a run starts that uses the variable; it must return one row of one column."
              >
                <Textarea
                  id="variable-query"
                  className="font-mono"
                  rows={4}
                  value={form.query}
                  onChange={(e) => set("query", e.target.value)}
                  aria-invalid={errors.query ? true : undefined}
                  aria-describedby={errors.query ? "variable-query-error" : undefined}
                />
              </FormField>
            </>
          )}
          <FormField id="variable-description" label="Description">
            <Input id="variable-description" value={form.description} onChange={(e) => set("description", e.target.value)} />
          </FormField>
          {errors.root && (
            <p role="alert" className="text-sm text-destructive">
              {errors.root}
            </p>
          )}
          <DialogFooter>
            <Button type="button" variant="outline" onClick={() => onOpenChange(false)}>
              Cancel
            </Button>
            <Button type="submit" disabled={saving}>
              {saving ? "Saving…" : variable ? "Save" : "Create variable"}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
