import { BellIcon } from "lucide-react";
import * as React from "react";
import { Link } from "react-router";
import { toast } from "sonner";

import { RoleGate } from "@/components/role-gate";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { ErrorMessage } from "@/components/ui/error-message";
import { Skeleton } from "@/components/ui/skeleton";
import { useChannels } from "@/features/notifications/api/get-channels";
import { useJobNotifications, useSetJobNotifications } from "@/features/notifications/api/job-notifications";
import { EventCheckboxes } from "@/features/notifications/components/event-checkboxes";
import type { EventType, JobNotifications } from "@/features/notifications/types";
import { EVENT_LABEL, KIND_LABEL } from "@/features/notifications/utils/labels";
import { toApiError } from "@/lib/api-client";
import { useCan } from "@/lib/requests/get-current-user";

type Choice = Record<number, EventType[]>;

function choiceOf(saved: JobNotifications): Choice {
  return Object.fromEntries(saved.subscriptions.map((s) => [s.channel_id, [...s.events]]));
}

/** A job's notifications: which channels hear about which of its events (operators change it). */
export function JobNotificationsPanel({ jobId }: { jobId: number }) {
  const saved = useJobNotifications(jobId);
  const channels = useChannels();
  const save = useSetJobNotifications();
  const canEdit = useCan("operator");
  // The user's edits; null: what is saved.
  const [draft, setDraft] = React.useState<Choice | null>(null);

  const body = () => {
    if (saved.isPending || channels.isPending) return <Skeleton className="h-20 w-full" />;
    if (saved.isError) return <ErrorMessage title="Could not load the notifications" error={saved.error} onRetry={() => void saved.refetch()} />;
    if (channels.isError)
      return <ErrorMessage title="Could not load the channels" error={channels.error} onRetry={() => void channels.refetch()} />;
    const all = channels.data.items;
    if (all.length === 0) {
      return (
        <p className="text-sm text-muted-foreground">
          No channels yet. An admin adds them on the <Link to="/notifications" className="underline">Notifications</Link> page.
        </p>
      );
    }
    const choice = draft ?? choiceOf(saved.data);
    const changed = draft !== null && JSON.stringify(draft) !== JSON.stringify(choiceOf(saved.data));
    const submit = () =>
      save.mutate(
        {
          jobId,
          body: {
            subscriptions: Object.entries(choice)
              .filter(([, events]) => events.length > 0)
              .map(([channelId, events]) => ({ channel_id: Number(channelId), events })),
          },
        },
        {
          onSuccess: () => {
            setDraft(null);
            toast.success("Notifications saved");
          },
          onError: (error) => toast.error("Could not save the notifications", { description: toApiError(error).message }),
        },
      );
    return (
      <div className="flex flex-col gap-4">
        <ul className="flex flex-col gap-3">
          {all.map((channel) => (
            <li key={channel.id} data-testid={`job-channel-${channel.name}`} className="flex flex-col gap-1.5">
              <span className="text-sm font-medium">
                {channel.name} <span className="font-normal text-muted-foreground">· {KIND_LABEL[channel.kind]}</span>
                {!channel.enabled && <span className="font-normal text-muted-foreground"> · disabled</span>}
              </span>
              <EventCheckboxes
                idPrefix={`job-${jobId}-channel-${channel.id}`}
                value={choice[channel.id] ?? []}
                onChange={(events) => setDraft({ ...choice, [channel.id]: events })}
                disabled={!canEdit}
                labelSuffix={` → ${channel.name}`}
              />
            </li>
          ))}
        </ul>
        {saved.data.all_jobs.length > 0 && (
          <p className="text-xs text-muted-foreground">
            Every job also tells:{" "}
            {saved.data.all_jobs.map((c) => `${c.channel_name} (${c.events.map((e) => EVENT_LABEL[e]).join(", ")})`).join("; ")}.
          </p>
        )}
        <RoleGate role="operator" mode="disable">
          <Button className="self-start" disabled={!changed || save.isPending} onClick={submit}>
            {save.isPending ? "Saving…" : "Save notifications"}
          </Button>
        </RoleGate>
      </div>
    );
  };

  return (
    <Card>
      <CardHeader>
        <CardTitle className="flex items-center gap-2">
          <BellIcon className="size-4" aria-hidden />
          Notifications
        </CardTitle>
        <CardDescription>Who hears when this job's runs end.</CardDescription>
      </CardHeader>
      <CardContent>{body()}</CardContent>
    </Card>
  );
}
