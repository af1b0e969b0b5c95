import { BellIcon, PencilIcon, PlusIcon, ScrollTextIcon, SendIcon, Trash2Icon } from "lucide-react";
import * as React from "react";
import { toast } from "sonner";

import { RoleGate } from "@/components/role-gate";
import { PagedList } from "@/components/paged-list";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { useDeleteChannel } from "@/features/notifications/api/delete-channel";
import { useChannels } from "@/features/notifications/api/get-channels";
import { useTestChannel } from "@/features/notifications/api/test-channel";
import { ChannelFormDialog } from "@/features/notifications/components/channel-form-dialog";
import { DeliveryLog } from "@/features/notifications/components/delivery-log";
import type { ChannelRead, DeliveryRead } from "@/features/notifications/types";
import { EVENT_LABEL, KIND_LABEL, channelTarget } from "@/features/notifications/utils/labels";
import { toApiError } from "@/lib/api-client";

/** The outcome of the last "Send test", in words. */
function TestResult({ channel, result }: { channel: ChannelRead; result: DeliveryRead }) {
  const sent = result.status === "sent";
  const code = result.last_response_code != null ? ` (response ${result.last_response_code})` : "";
  return (
    <p role="status" className={sent ? "text-sm text-emerald-700 dark:text-emerald-400" : "text-sm text-destructive"}>
      {sent
        ? `Test sent to ${channel.name}${code}.`
        : `Test to ${channel.name} failed${code}: ${result.last_error ?? "no answer"}`}
    </p>
  );
}

function ChannelActions({
  channel,
  onEdit,
  onTested,
  onShowLog,
}: {
  channel: ChannelRead;
  onEdit: () => void;
  onTested: (result: DeliveryRead) => void;
  onShowLog: () => void;
}) {
  const test = useTestChannel();
  const remove = useDeleteChannel();
  return (
    <div className="flex justify-end gap-1">
      <Button variant="ghost" size="sm" aria-label={`Deliveries of ${channel.name}`} onClick={onShowLog}>
        <ScrollTextIcon />
        <span className="hidden lg:inline">Deliveries</span>
      </Button>
      <RoleGate role="admin">
        <Button
          variant="ghost"
          size="sm"
          aria-label={`Send a test to ${channel.name}`}
          disabled={test.isPending}
          onClick={() =>
            test.mutate(channel.id, {
              onSuccess: onTested,
              onError: (error) => toast.error(`Could not send a test to ${channel.name}`, { description: toApiError(error).message }),
            })
          }
        >
          <SendIcon />
          <span className="hidden lg:inline">{test.isPending ? "Sending…" : "Send test"}</span>
        </Button>
        <Button variant="ghost" size="sm" aria-label={`Edit ${channel.name}`} onClick={onEdit}>
          <PencilIcon />
          <span className="hidden lg:inline">Edit</span>
        </Button>
        <ConfirmDialog
          title={`Delete ${channel.name}?`}
          description="Jobs stop sending to it, and its delivery log goes with it."
          onConfirm={() =>
            remove.mutate(channel.id, {
              onSuccess: () => toast.success(`${channel.name} deleted`),
              onError: (error) => toast.error(`Could not delete ${channel.name}`, { description: toApiError(error).message }),
            })
          }
          trigger={
            <Button variant="ghost" size="sm" aria-label={`Delete ${channel.name}`} disabled={remove.isPending}>
              <Trash2Icon />
            </Button>
          }
        />
      </RoleGate>
    </div>
  );
}

/** /notifications — channels (admins create, edit, test and delete them), each with its delivery log. */
export function ChannelsPage() {
  const channels = useChannels();
  const [editing, setEditing] = React.useState<ChannelRead | undefined>(undefined);
  const [formOpen, setFormOpen] = React.useState(false);
  const [formKey, setFormKey] = React.useState(0);
  const [tested, setTested] = React.useState<{ channel: ChannelRead; result: DeliveryRead } | null>(null);
  const [logOf, setLogOf] = React.useState<number | null>(null);
  const logChannel = channels.data?.items.find((c) => c.id === logOf);

  const openForm = (channel?: ChannelRead) => {
    setEditing(channel);
    setFormKey((k) => k + 1);
    setFormOpen(true);
  };

  return (
    <>
      <PageHeader
        title="Notifications"
        description="Channels the portal tells when runs end: signed webhooks, Slack, email. Each job picks its channels and events."
        actions={
          <RoleGate role="admin">
            <Button onClick={() => openForm()}>
              <PlusIcon />
              New channel
            </Button>
          </RoleGate>
        }
      />
      <div className="flex flex-col gap-4">
        <PagedList
          query={channels}
          errorTitle="Could not load the channels"
          empty={
            <EmptyState
              icon={<BellIcon />}
              title="No channels"
              description="An admin adds a webhook, a Slack channel or an email list; jobs then choose what to send there."
            />
          }
        >
          {(items) => (
            <Table>
              <TableHeader>
                <TableRow>
                  <TableHead>Name</TableHead>
                  <TableHead>Kind</TableHead>
                  <TableHead>Sends to</TableHead>
                  <TableHead>Every job</TableHead>
                  <TableHead className="text-right">Actions</TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {items.map((channel) => (
                  <TableRow key={channel.id} data-testid={`channel-row-${channel.name}`}>
                    <TableCell className="font-medium">
                      {channel.name}
                      {!channel.enabled && (
                        <Badge variant="outline" className="ml-2">
                          Disabled
                        </Badge>
                      )}
                    </TableCell>
                    <TableCell>{KIND_LABEL[channel.kind]}</TableCell>
                    <TableCell className="max-w-72 truncate">{channelTarget(channel)}</TableCell>
                    <TableCell>
                      {channel.all_jobs_events.length ? channel.all_jobs_events.map((e) => EVENT_LABEL[e]).join(", ") : "—"}
                    </TableCell>
                    <TableCell>
                      <ChannelActions
                        channel={channel}
                        onEdit={() => openForm(channel)}
                        onTested={(result) => setTested({ channel, result })}
                        onShowLog={() => setLogOf(channel.id)}
                      />
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )}
        </PagedList>
        {tested && <TestResult channel={tested.channel} result={tested.result} />}
        {logChannel && <DeliveryLog key={logChannel.id} channel={logChannel} />}
      </div>
      <ChannelFormDialog key={formKey} open={formOpen} onOpenChange={setFormOpen} channel={editing} />
    </>
  );
}
