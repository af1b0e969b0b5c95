import * as React from "react";

import { FormField } from "@/components/form-field";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { ErrorMessage } from "@/components/ui/error-message";
import { Input } from "@/components/ui/input";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { Textarea } from "@/components/ui/textarea";
import { useSourceConnections } from "@/features/variables/api/get-source-connections";
import { useRenderTemplate } from "@/features/variables/api/render-template";
import type { TemplateKind } from "@/features/variables/types";
import { formatValue } from "@/features/variables/utils/values";

const KINDS: { value: TemplateKind; label: string }[] = [
  { value: "query", label: "Query (values bound as parameters)" },
  { value: "path", label: "File path under the drop directory" },
  { value: "name", label: "Table or schema name" },
];
const ANY_DIALECT = "any";

/** Render a template as a run would, without running anything: the SQL with its placeholders and
 * the values bound to them, a path or a name. db_query variables it uses are read now. */
export function RenderPreview() {
  const [template, setTemplate] = React.useState("SELECT * FROM sales WHERE day = {{ ds }}");
  const [kind, setKind] = React.useState<TemplateKind>("query");
  const [connection, setConnection] = React.useState(ANY_DIALECT);
  const [day, setDay] = React.useState("");
  const connections = useSourceConnections({ enabled: kind === "query" });
  const render = useRenderTemplate();
  const result = render.data;
  const [rendered] = result?.rendered ?? [];

  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    render.mutate({
      template,
      kind,
      logical_date: day ? `${day}T00:00:00Z` : null,
      connection_id: kind === "query" && connection !== ANY_DIALECT ? Number(connection) : null,
    });
  };

  return (
    <Card>
      <CardHeader>
        <CardTitle>Preview a template</CardTitle>
        <CardDescription>
          What a run renders: {"{{ name }}"} for a value, {"{{ name | ident }}"} for a quoted identifier in a query. Nothing is run.
        </CardDescription>
      </CardHeader>
      <CardContent>
        <form onSubmit={submit} className="flex flex-col gap-4" aria-label="Preview a template">
          <FormField id="render-template" label="Template">
            <Textarea
              id="render-template"
              className="font-mono"
              rows={3}
              value={template}
              onChange={(e) => setTemplate(e.target.value)}
            />
          </FormField>
          <div className="grid gap-4 sm:grid-cols-3">
            <FormField id="render-kind" label="Rendered as">
              <Select value={kind} onValueChange={(value) => setKind(value as TemplateKind)}>
                <SelectTrigger id="render-kind">
                  <SelectValue />
                </SelectTrigger>
                <SelectContent>
                  {KINDS.map((k) => (
                    <SelectItem key={k.value} value={k.value}>
                      {k.label}
                    </SelectItem>
                  ))}
                </SelectContent>
              </Select>
            </FormField>
            {kind === "query" && (
              <FormField id="render-connection" label="Dialect of">
                <Select value={connection} onValueChange={setConnection}>
                  <SelectTrigger id="render-connection">
                    <SelectValue />
                  </SelectTrigger>
                  <SelectContent>
                    <SelectItem value={ANY_DIALECT}>Standard SQL</SelectItem>
                    {(connections.data ?? []).map((c) => (
                      <SelectItem key={c.id} value={String(c.id)}>
                        {c.name}
                      </SelectItem>
                    ))}
                  </SelectContent>
                </Select>
              </FormField>
            )}
            <FormField id="render-date" label="Run date" hint="Empty: today">
              <Input id="render-date" type="date" value={day} onChange={(e) => setDay(e.target.value)} />
            </FormField>
          </div>
          <div>
            <Button type="submit" disabled={render.isPending || !template.trim()}>
              {render.isPending ? "Rendering…" : "Render"}
            </Button>
          </div>
        </form>
        {render.isError && <ErrorMessage className="mt-4" title="Could not render the template" error={render.error} />}
        {rendered && result && (
          <section aria-label="Rendered" className="mt-4 flex flex-col gap-3">
            <pre className="overflow-x-auto rounded-md bg-muted p-3 font-mono text-sm whitespace-pre-wrap" data-testid="rendered-text">
              {rendered.text}
            </pre>
            {rendered.params.length > 0 && (
              <Table aria-label="Bound parameters">
                <TableHeader>
                  <TableRow>
                    <TableHead>Parameter</TableHead>
                    <TableHead>Value</TableHead>
                    <TableHead>Type</TableHead>
                  </TableRow>
                </TableHeader>
                <TableBody>
                  {rendered.params.map((p) => (
                    <TableRow key={p.name}>
                      <TableCell className="font-mono">{p.name}</TableCell>
                      <TableCell className="font-mono">{formatValue(p.value)}</TableCell>
                      <TableCell>{p.type}</TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            )}
            {result.variables.length > 0 && (
              <p className="text-xs text-muted-foreground">
                Used: {result.variables.map((v) => `${v.name} = ${formatValue(v.value)}`).join(", ")}
              </p>
            )}
          </section>
        )}
      </CardContent>
    </Card>
  );
}
