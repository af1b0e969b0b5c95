import { ArrowLeftIcon, WorkflowIcon } from "lucide-react";
import { Link, useParams, useSearchParams } from "react-router";

import { RoleGate } from "@/components/role-gate";
import { Button } from "@/components/ui/button";
import { Card, CardContent } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Tabs, TabsContent, TabsList, TabsTrigger } from "@/components/ui/tabs";
import { useConnection } from "@/features/database-browser/api/get-connection";
import { QueryEditor } from "@/features/database-browser/components/query-editor";
import { SchemaTree, type TableSelection } from "@/features/database-browser/components/schema-tree";
import { TablePanel } from "@/features/database-browser/components/table-panel";
import { useCan } from "@/lib/requests/get-current-user";

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * /connections/:credentialId/browse[?schema=&table=] — a connection's schemas, tables and views;
 * the selected table's columns and rows; and (operators) a read-only query editor.
 */
export function DatabaseBrowserPage() {
  const credentialId = Number(useParams().credentialId);
  const [searchParams, setSearchParams] = useSearchParams();
  const connection = useConnection(credentialId);
  const canQuery = useCan("operator");
  const schema = searchParams.get("schema");
  const table = searchParams.get("table");
  const selected: TableSelection | null = schema && table ? { schema, table } : null;

  const select = ({ schema, table }: TableSelection) =>
    setSearchParams((params) => {
      const next = new URLSearchParams(params);
      next.set("schema", schema);
      next.set("table", table);
      return next;
    });

  const name = connection.data?.name ?? `Connection #${credentialId}`;
  return (
    <>
      <PageHeader
        title={`Browse ${name}`}
        description="Schemas, tables and views as the database describes them; row counts are the database's estimates."
        actions={
          <>
            {selected && connection.data?.usage !== "destination" && (
              <RoleGate role="operator">
                <Button variant="outline" asChild>
                  <Link
                    to={`/jobs/new?${new URLSearchParams({ source: "tables", credentialId: String(credentialId), ...selected }).toString()}`}
                    data-testid="table-new-job-link"
                  >
                    <WorkflowIcon />
                    Use this table in a new job
                  </Link>
                </Button>
              </RoleGate>
            )}
            <Button variant="ghost" asChild>
              <Link to="/credentials">
                <ArrowLeftIcon />
                Connections
              </Link>
            </Button>
          </>
        }
      />
      <div className="grid gap-4 lg:grid-cols-[18rem_minmax(0,1fr)]">
        <Card>
          <CardContent>
            <SchemaTree credentialId={credentialId} selected={selected} openSchema={schema} onSelect={select} />
          </CardContent>
        </Card>
        <Tabs defaultValue="table">
          <TabsList>
            <TabsTrigger value="table">Table</TabsTrigger>
            <RoleGate role="operator">
              <TabsTrigger value="query">Query</TabsTrigger>
            </RoleGate>
          </TabsList>
          <Card className="mt-2">
            <CardContent>
              <TabsContent value="table">
                {selected ? (
                  <TablePanel
                    key={`${selected.schema}.${selected.table}`}
                    credentialId={credentialId}
                    schema={selected.schema}
                    table={selected.table}
                  />
                ) : (
                  <EmptyState title="No table selected" description="Pick a table or view on the left to see its columns and rows." />
                )}
              </TabsContent>
              {canQuery && (
                <TabsContent value="query" forceMount className="data-[state=inactive]:hidden">
                  <QueryEditor
                    credentialId={credentialId}
                    canBeSource={connection.data?.usage !== "destination"}
                    initialSql={
                      selected ? `SELECT * FROM ${quoteIdentifier(selected.schema)}.${quoteIdentifier(selected.table)}` : ""
                    }
                  />
                </TabsContent>
              )}
            </CardContent>
          </Card>
        </Tabs>
      </div>
    </>
  );
}
