import { ScrollTextIcon } from "lucide-react";
import * as React from "react";
import { useSearchParams } from "react-router";

import { OffsetPager } from "@/components/offset-pager";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorMessage } from "@/components/ui/error-message";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { PageHeader } from "@/components/ui/page-header";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { useAuditEvents } from "@/features/audit/api/get-audit-events";
import {
  ACTION_LABEL,
  changeRows,
  RESOURCE_LABEL,
  RESOURCE_TYPES,
  resourceText,
} from "@/features/audit/utils/audit-text";
import { useDebouncedValue } from "@/hooks/use-debounced-value";
import { formatDateTime } from "@/lib/format";
import { AUDIT_ACTIONS, type AuditAction, type AuditEventParams, type AuditEventRead } from "@/types/api";

const PAGE_SIZE = 50;
const ANY = "any";

/** `since` / `until` are kept as the browser's local time in the address (what the inputs show). */
function toIso(local: string | null): string | undefined {
  if (!local) return undefined;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

function readFilters(search: URLSearchParams): AuditEventParams {
  const action = search.get("action") as AuditAction | null;
  const offset = Number(search.get("offset"));
  return {
    actor_email: search.get("actor_email") || undefined,
    action: action && AUDIT_ACTIONS.includes(action) ? action : undefined,
    resource_type: search.get("resource_type") || undefined,
    resource_id: search.get("resource_id") || undefined,
    since: toIso(search.get("since")),
    until: toIso(search.get("until")),
    offset: Number.isInteger(offset) && offset > 0 ? offset : 0,
    limit: PAGE_SIZE,
  };
}

/** A text box that updates its filter once typing pauses. */
function TextFilter({
  id,
  label,
  value,
  placeholder,
  onChange,
}: {
  id: string;
  label: string;
  value: string;
  placeholder?: string;
  onChange: (value: string) => void;
}) {
  const [draft, setDraft] = React.useState(value);
  // Cleared or changed from outside (the "Clear filters" button, the address): show that.
  const [shown, setShown] = React.useState(value);
  if (value !== shown) {
    setShown(value);
    if (value !== draft.trim()) setDraft(value);
  }
  const settled = useDebouncedValue(draft, 300);
  // Only a pause in typing commits: a filter cleared from outside is not put back by a stale draft.
  const commit = React.useEffectEvent((text: string) => {
    if (text !== value) onChange(text);
  });
  React.useEffect(() => commit(settled.trim()), [settled]);
  return (
    <div className="flex w-full flex-col gap-1.5 sm:w-56">
      <Label htmlFor={id}>{label}</Label>
      <Input id={id} value={draft} placeholder={placeholder} onChange={(event) => setDraft(event.target.value)} />
    </div>
  );
}

function Filters({ search, onChange }: { search: URLSearchParams; onChange: (name: string, value: string) => void }) {
  return (
    <div className="mb-4 flex flex-wrap items-end gap-4" role="search" aria-label="Filter the audit log">
      <TextFilter
        id="audit-actor"
        label="Who (email)"
        placeholder="someone@example.com"
        value={search.get("actor_email") ?? ""}
        onChange={(value) => onChange("actor_email", value)}
      />
      <div className="flex w-full flex-col gap-1.5 sm:w-44">
        <Label htmlFor="audit-action">Action</Label>
        <Select value={search.get("action") ?? ANY} onValueChange={(value) => onChange("action", value)}>
          <SelectTrigger id="audit-action">
            <SelectValue />
          </SelectTrigger>
          <SelectContent>
            <SelectItem value={ANY}>Any action</SelectItem>
            {AUDIT_ACTIONS.map((action) => (
              <SelectItem key={action} value={action}>
                {ACTION_LABEL[action]}
              </SelectItem>
            ))}
          </SelectContent>
        </Select>
      </div>
      <div className="flex w-full flex-col gap-1.5 sm:w-40">
        <Label htmlFor="audit-resource-type">Resource</Label>
        <Select value={search.get("resource_type") ?? ANY} onValueChange={(value) => onChange("resource_type", value)}>
          <SelectTrigger id="audit-resource-type">
            <SelectValue />
          </SelectTrigger>
          <SelectContent>
            <SelectItem value={ANY}>Any resource</SelectItem>
            {RESOURCE_TYPES.map((type) => (
              <SelectItem key={type} value={type}>
                {RESOURCE_LABEL[type]}
              </SelectItem>
            ))}
          </SelectContent>
        </Select>
      </div>
      <TextFilter
        id="audit-resource-id"
        label="Resource id"
        value={search.get("resource_id") ?? ""}
        onChange={(value) => onChange("resource_id", value)}
      />
      <div className="flex w-full flex-col gap-1.5 sm:w-52">
        <Label htmlFor="audit-since">From</Label>
        <Input
          id="audit-since"
          type="datetime-local"
          value={search.get("since") ?? ""}
          onChange={(event) => onChange("since", event.target.value)}
        />
      </div>
      <div className="flex w-full flex-col gap-1.5 sm:w-52">
        <Label htmlFor="audit-until">Until</Label>
        <Input
          id="audit-until"
          type="datetime-local"
          value={search.get("until") ?? ""}
          onChange={(event) => onChange("until", event.target.value)}
        />
      </div>
    </div>
  );
}

function Changes({ event }: { event: AuditEventRead }) {
  const rows = changeRows(event.changes);
  if (rows.length === 0) return <span className="text-muted-foreground">—</span>;
  return (
    <details>
      <summary className="cursor-pointer text-xs">{rows.map((row) => row.field).join(", ")}</summary>
      <dl className="mt-1 grid grid-cols-[auto_1fr] gap-x-2 gap-y-0.5 font-mono text-xs">
        {rows.map((row) => (
          <React.Fragment key={row.field}>
            <dt className="text-muted-foreground">{row.field}</dt>
            <dd className="break-all">
              {row.before} → {row.after}
            </dd>
          </React.Fragment>
        ))}
      </dl>
    </details>
  );
}

function EventsTable({ events }: { events: AuditEventRead[] }) {
  return (
    <Table aria-label="Audit events">
      <TableHeader>
        <TableRow>
          <TableHead className="pl-4">When</TableHead>
          <TableHead>Who</TableHead>
          <TableHead>Action</TableHead>
          <TableHead>Resource</TableHead>
          <TableHead className="hidden md:table-cell">Changes</TableHead>
          <TableHead className="hidden pr-4 lg:table-cell">Address</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {events.map((event) => (
          <TableRow key={event.id} data-action={event.action}>
            <TableCell className="pl-4 whitespace-nowrap">{formatDateTime(event.at)}</TableCell>
            <TableCell className="max-w-56 truncate">{event.actor_email ?? <span className="text-muted-foreground">system</span>}</TableCell>
            <TableCell>
              <Badge variant={event.action === "login_failed" ? "warning" : event.action === "delete" ? "destructive" : "secondary"}>
                {ACTION_LABEL[event.action] ?? event.action}
              </Badge>
            </TableCell>
            <TableCell className="whitespace-nowrap">{resourceText(event)}</TableCell>
            <TableCell className="hidden max-w-md md:table-cell">
              <Changes event={event} />
            </TableCell>
            <TableCell className="hidden pr-4 font-mono text-xs lg:table-cell">{event.ip ?? "—"}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

/** /audit (admins) — who did what and when: filter by person, action, resource and time; newest first. */
export function AuditPage() {
  const [search, setSearch] = useSearchParams();
  const filters = readFilters(search);
  const events = useAuditEvents(filters);
  const offset = filters.offset ?? 0;
  const filtered = [...search.keys()].some((key) => key !== "offset");

  const onChange = (name: string, value: string) =>
    setSearch(
      (current) => {
        const next = new URLSearchParams(current);
        if (value && value !== ANY) next.set(name, value);
        else next.delete(name);
        next.delete("offset");
        return next;
      },
      { replace: true },
    );
  const setOffset = (value: number) =>
    setSearch((current) => {
      const next = new URLSearchParams(current);
      if (value > 0) next.set("offset", String(value));
      else next.delete("offset");
      return next;
    });

  let body: React.ReactNode;
  if (events.isPending) {
    body = (
      <div className="flex flex-col gap-2" aria-busy="true">
        {Array.from({ length: 5 }, (_, i) => (
          <Skeleton key={i} className="h-10 w-full" />
        ))}
      </div>
    );
  } else if (events.isError) {
    body = <ErrorMessage title="Could not load the audit log" error={events.error} onRetry={() => void events.refetch()} />;
  } else if (events.data.items.length === 0) {
    body = (
      <EmptyState
        icon={<ScrollTextIcon />}
        title={filtered ? "No events match these filters" : "Nothing recorded yet"}
        action={
          filtered ? (
            <Button variant="outline" onClick={() => setSearch(new URLSearchParams())}>
              Clear filters
            </Button>
          ) : undefined
        }
      />
    );
  } else {
    body = (
      <div className="flex flex-col gap-3">
        <Card className="py-0">
          <CardContent className="px-0">
            <EventsTable events={events.data.items} />
          </CardContent>
        </Card>
        <div className="flex items-center justify-between gap-2 text-sm text-muted-foreground">
          <span>
            {offset + 1}–{offset + events.data.items.length} of {events.data.total}
          </span>
          <OffsetPager
            offset={offset}
            pageSize={PAGE_SIZE}
            total={events.data.total}
            end={offset + events.data.items.length}
            onOffsetChange={setOffset}
          />
        </div>
      </div>
    );
  }

  return (
    <>
      <PageHeader
        title="Audit log"
        description="Every change, run, cancel, login and failed login, with who, when and from where. It cannot be edited."
      />
      <Filters search={search} onChange={onChange} />
      {body}
    </>
  );
}
