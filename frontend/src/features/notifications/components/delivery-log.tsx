import * as React from "react";

import { OffsetPager } from "@/components/offset-pager";
import { PagedList } from "@/components/paged-list";
import { Badge } from "@/components/ui/badge";
import { EmptyState } from "@/components/ui/empty-state";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { useDeliveries } from "@/features/notifications/api/get-deliveries";
import type { ChannelRead, DeliveryRead, DeliveryStatus, EventType } from "@/features/notifications/types";
import { EVENT_LABEL } from "@/features/notifications/utils/labels";
import { formatDateTime } from "@/lib/format";

const PAGE_SIZE = 20;

const STATUS_VARIANT: Record<DeliveryStatus, "success" | "destructive" | "warning"> = {
  sent: "success",
  failed: "destructive",
  pending: "warning",
};

function eventLabel(event: string): string {
  return event === "test" ? "Test" : (EVENT_LABEL[event as EventType] ?? event);
}

function DeliveryRow({ delivery }: { delivery: DeliveryRead }) {
  return (
    <TableRow data-testid={`delivery-row-${delivery.id}`}>
      <TableCell className="whitespace-nowrap">{formatDateTime(delivery.created_at)}</TableCell>
      <TableCell>
        {eventLabel(delivery.event)}
        {delivery.job_run_id != null && <span className="text-muted-foreground"> · run #{delivery.job_run_id}</span>}
      </TableCell>
      <TableCell>
        <Badge variant={STATUS_VARIANT[delivery.status]}>{delivery.status}</Badge>
      </TableCell>
      <TableCell className="text-right tabular-nums">{delivery.attempts}</TableCell>
      <TableCell className="tabular-nums">{delivery.last_response_code ?? "—"}</TableCell>
      <TableCell className="max-w-80 truncate" title={delivery.last_error ?? undefined}>
        {delivery.status === "pending" && delivery.next_attempt_at
          ? `Next try ${formatDateTime(delivery.next_attempt_at)}${delivery.last_error ? ` · ${delivery.last_error}` : ""}`
          : (delivery.last_error ?? "")}
      </TableCell>
    </TableRow>
  );
}

/** A channel's deliveries, newest first: status, attempts, response code, last error. */
export function DeliveryLog({ channel }: { channel: ChannelRead }) {
  const [offset, setOffset] = React.useState(0);
  const deliveries = useDeliveries(channel.id, { offset, limit: PAGE_SIZE });
  return (
    <section aria-label={`Deliveries of ${channel.name}`} className="flex flex-col gap-3">
      <h2 className="text-base font-semibold">Deliveries of {channel.name}</h2>
      <PagedList
        query={deliveries}
        errorTitle="Could not load the deliveries"
        empty={<EmptyState title="Nothing sent yet" description="Send a test, or wait for a subscribed job's run to end." />}
      >
        {(items) => (
          <Table>
            <TableHeader>
              <TableRow>
                <TableHead>Created</TableHead>
                <TableHead>Event</TableHead>
                <TableHead>Status</TableHead>
                <TableHead className="text-right">Attempts</TableHead>
                <TableHead>Response</TableHead>
                <TableHead>Last error</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {items.map((delivery) => (
                <DeliveryRow key={delivery.id} delivery={delivery} />
              ))}
            </TableBody>
          </Table>
        )}
      </PagedList>
      {deliveries.data && (
        <OffsetPager
          offset={offset}
          pageSize={PAGE_SIZE}
          total={deliveries.data.total}
          end={offset + deliveries.data.items.length}
          onOffsetChange={setOffset}
        />
      )}
    </section>
  );
}
