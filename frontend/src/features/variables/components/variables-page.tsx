import { BracesIcon, PencilIcon, PlayIcon, PlusIcon, Trash2Icon } from "lucide-react";
import * as React from "react";
import { toast } from "sonner";

import { PagedList } from "@/components/paged-list";
import { RoleGate } from "@/components/role-gate";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { useDeleteVariable } from "@/features/variables/api/delete-variable";
import { useEvaluateVariable } from "@/features/variables/api/evaluate-variable";
import { useContextVariables } from "@/features/variables/api/get-context-variables";
import { useVariables } from "@/features/variables/api/get-variables";
import { RenderPreview } from "@/features/variables/components/render-preview";
import { VariableFormDialog } from "@/features/variables/components/variable-form-dialog";
import type { VariableRead } from "@/features/variables/types";
import { KIND_LABEL, describeValue, formatValue } from "@/features/variables/utils/values";
import { toApiError } from "@/lib/api-client";

function VariableActions({ variable, onEdit }: { variable: VariableRead; onEdit: () => void }) {
  const evaluate = useEvaluateVariable();
  const remove = useDeleteVariable();
  return (
    <div className="flex justify-end gap-1">
      <RoleGate role="operator">
        {variable.kind === "db_query" && (
          <Button
            variant="ghost"
            size="sm"
            aria-label={`Read ${variable.name} now`}
            disabled={evaluate.isPending}
            onClick={() =>
              evaluate.mutate(variable.id, {
                onSuccess: (value) => toast.success(`${variable.name} = ${describeValue(value)}`),
                onError: (error) => toast.error(`Could not read ${variable.name}`, { description: toApiError(error).message }),
              })
            }
          >
            <PlayIcon />
            <span className="hidden lg:inline">{evaluate.isPending ? "Reading…" : "Read now"}</span>
          </Button>
        )}
        <Button variant="ghost" size="sm" aria-label={`Edit ${variable.name}`} onClick={onEdit}>
          <PencilIcon />
          <span className="hidden lg:inline">Edit</span>
        </Button>
        <ConfirmDialog
          title={`Delete ${variable.name}?`}
          description="A job whose template still uses it fails at its next run, naming the variable."
          onConfirm={() =>
            remove.mutate(variable.id, {
              onSuccess: () => toast.success(`${variable.name} deleted`),
              onError: (error) => toast.error(`Could not delete ${variable.name}`, { description: toApiError(error).message }),
            })
          }
          trigger={
            <Button variant="ghost" size="sm" aria-label={`Delete ${variable.name}`} disabled={remove.isPending}>
              <Trash2Icon />
            </Button>
          }
        />
      </RoleGate>
    </div>
  );
}

function ContextVariables() {
  const context = useContextVariables();
  return (
    <Card>
      <CardHeader>
        <CardTitle>Built in</CardTitle>
        <CardDescription>Every template has these, computed for each run.</CardDescription>
      </CardHeader>
      <CardContent>
        {context.data ? (
          <dl className="grid gap-x-4 gap-y-1 text-sm sm:grid-cols-[max-content_1fr]" aria-label="Built-in variables">
            {context.data.map((v) => (
              <React.Fragment key={v.name}>
                <dt className="font-mono">{v.name}</dt>
                <dd className="text-muted-foreground">{v.description}</dd>
              </React.Fragment>
            ))}
          </dl>
        ) : (
          <p className="text-sm text-muted-foreground">{context.isError ? "Could not load them." : "Loading…"}</p>
        )}
      </CardContent>
    </Card>
  );
}

/** /variables — global variables (operators create, edit and delete them), the built-in ones, and a
 * preview of how a template renders. */
export function VariablesPage() {
  const variables = useVariables();
  const [editing, setEditing] = React.useState<VariableRead | undefined>(undefined);
  const [formOpen, setFormOpen] = React.useState(false);
  const [formKey, setFormKey] = React.useState(0);

  const openForm = (variable?: VariableRead) => {
    setEditing(variable);
    setFormKey((k) => k + 1);
    setFormOpen(true);
  };

  return (
    <>
      <PageHeader
        title="Variables"
        description="Values jobs use as {{ name }} in queries, table names and file paths: static ones, or one read by a query when a run starts."
        actions={
          <RoleGate role="operator">
            <Button onClick={() => openForm()}>
              <PlusIcon />
              New variable
            </Button>
          </RoleGate>
        }
      />
      <div className="flex flex-col gap-4">
        <PagedList
          query={variables}
          errorTitle="Could not load the variables"
          empty={
            <EmptyState
              icon={<BracesIcon />}
              title="No variables"
              description="An operator adds a static value or a database query; the built-in ones below need nothing."
            />
          }
        >
          {(items) => (
            <Table>
              <TableHeader>
                <TableRow>
                  <TableHead>Name</TableHead>
                  <TableHead>Kind</TableHead>
                  <TableHead>Value</TableHead>
                  <TableHead>Description</TableHead>
                  <TableHead className="text-right">Actions</TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {items.map((variable) => (
                  <TableRow key={variable.id} data-testid={`variable-row-${variable.name}`}>
                    <TableCell className="font-mono font-medium">{variable.name}</TableCell>
                    <TableCell>
                      <Badge variant="outline">{KIND_LABEL[variable.kind]}</Badge>
                    </TableCell>
                    <TableCell className="max-w-96 truncate font-mono text-xs">
                      {variable.kind === "static" ? (
                        formatValue(variable.value)
                      ) : (
                        <>
                          <span className="font-sans text-muted-foreground">
                            {variable.connection_name ?? "connection deleted"}:{" "}
                          </span>
                          {variable.query}
                        </>
                      )}
                    </TableCell>
                    <TableCell className="text-muted-foreground">{variable.description ?? "—"}</TableCell>
                    <TableCell>
                      <VariableActions variable={variable} onEdit={() => openForm(variable)} />
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )}
        </PagedList>
        <RoleGate role="operator">
          <RenderPreview />
        </RoleGate>
        <ContextVariables />
      </div>
      <VariableFormDialog key={formKey} open={formOpen} onOpenChange={setFormOpen} variable={editing} />
    </>
  );
}
