import { PlayIcon, WorkflowIcon } from "lucide-react";
import * as React from "react";
import { Link } from "react-router";

import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Label } from "@/components/ui/label";
import { Skeleton } from "@/components/ui/skeleton";
import { Textarea } from "@/components/ui/textarea";
import { useQueryResult } from "@/lib/requests/run-query";
import { ResultGrid } from "@/features/database-browser/components/result-grid";
import { toApiError } from "@/lib/api-client";
import type { QueryRequest } from "@/types/api";

const PAGE_SIZE = 100;

/** What each refusal means to the person who typed the query, beside the server's own words. */
const ERROR_TITLES: Record<string, { title: string; hint?: string }> = {
  QueryRefused: {
    title: "Query refused",
    hint: "Only one read-only SELECT statement is allowed here: a query that writes, a second statement or a query past the time limit is never run (or stopped with nothing changed).",
  },
  QueryFailed: { title: "The database could not run the query" },
  QueryRowCap: { title: "Past the row cap", hint: "The browser serves no rows past the server's cap: narrow the query." },
  BrowseNotSupported: { title: "This connection cannot be queried here" },
  ConnectionUnreachable: { title: "The database cannot be reached" },
};

function QueryError({ error }: { error: unknown }) {
  const apiError = toApiError(error);
  const known = ERROR_TITLES[apiError.code];
  return (
    <Alert variant="destructive" role="alert">
      <AlertTitle>{known?.title ?? "The query failed"}</AlertTitle>
      <AlertDescription>
        <p>{apiError.message}</p>
        {known?.hint && <p>{known.hint}</p>}
      </AlertDescription>
    </Alert>
  );
}

/** A read-only SELECT against the connection; results paged (each page re-runs it on the server). */
export function QueryEditor({
  credentialId,
  initialSql,
  canBeSource = false,
}: {
  credentialId: number;
  initialSql: string;
  /** The connection may be a job's source: offer the query to a new job. */
  canBeSource?: boolean;
}) {
  const [sql, setSql] = React.useState(initialSql);
  const [request, setRequest] = React.useState<QueryRequest | null>(null);
  const result = useQueryResult(credentialId, request);

  return (
    <div className="flex flex-col gap-4">
      <form
        className="flex flex-col gap-2"
        onSubmit={(event) => {
          event.preventDefault();
          if (sql.trim()) setRequest({ sql, offset: 0, limit: PAGE_SIZE });
        }}
      >
        <Label htmlFor="browser-sql">SQL</Label>
        <Textarea
          id="browser-sql"
          className="min-h-32 font-mono text-sm"
          spellCheck={false}
          value={sql}
          placeholder="SELECT * FROM ..."
          onChange={(event) => setSql(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) event.currentTarget.form?.requestSubmit();
          }}
        />
        <div className="flex items-center gap-3">
          <Button type="submit" disabled={!sql.trim() || result.isFetching}>
            <PlayIcon />
            {result.isFetching ? "Running…" : "Run"}
          </Button>
          <span className="text-xs text-muted-foreground">One read-only SELECT; Ctrl+Enter runs it.</span>
          {canBeSource && sql.trim() && (
            <Button variant="outline" className="ml-auto" asChild>
              <Link
                to={`/jobs/new?${new URLSearchParams({ source: "query", credentialId: String(credentialId), sql }).toString()}`}
                data-testid="query-new-job-link"
              >
                <WorkflowIcon />
                Use this query in a new job
              </Link>
            </Button>
          )}
        </div>
      </form>
      {request !== null && result.isPending && <Skeleton className="h-32 w-full" aria-busy="true" />}
      {result.isError && <QueryError error={result.error} />}
      {result.data && !result.isError && (
        <ResultGrid
          result={result.data}
          label="Query result"
          onOffsetChange={(offset) => setRequest((current) => current && { ...current, offset })}
        />
      )}
    </div>
  );
}
