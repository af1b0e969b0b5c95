import * as React from "react";
import { toast } from "sonner";

import { FormField } from "@/components/form-field";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Switch } from "@/components/ui/switch";
import { useCreateChannel, useUpdateChannel } from "@/features/notifications/api/save-channel";
import { EventCheckboxes } from "@/features/notifications/components/event-checkboxes";
import {
  CHANNEL_KINDS,
  type ChannelCreate,
  type ChannelKind,
  type ChannelRead,
  type EventType,
} from "@/features/notifications/types";
import { KIND_LABEL, SECRET_LABEL } from "@/features/notifications/utils/labels";
import { toApiError } from "@/lib/api-client";
import type { ApiProblem } from "@/types/api";

type Security = "starttls" | "tls" | "none";

type FormState = {
  name: string;
  kind: ChannelKind;
  url: string;
  host: string;
  port: string;
  security: Security;
  username: string;
  fromAddress: string;
  toAddresses: string;
  secret: string;
  enabled: boolean;
  allJobsEvents: EventType[];
};

const MIN_SIGNING_SECRET = 16;

function initialState(channel: ChannelRead | undefined): FormState {
  const config = channel?.config;
  return {
    name: channel?.name ?? "",
    kind: channel?.kind ?? "webhook",
    url: config?.kind === "webhook" ? config.url : "",
    host: config?.kind === "email" ? config.host : "",
    port: config?.kind === "email" ? String(config.port ?? 587) : "587",
    security: config?.kind === "email" ? (config.security ?? "starttls") : "starttls",
    username: config?.kind === "email" ? (config.username ?? "") : "",
    fromAddress: config?.kind === "email" ? config.from_address : "",
    toAddresses: config?.kind === "email" ? config.to_addresses.join(", ") : "",
    secret: "",
    enabled: channel?.enabled ?? true,
    allJobsEvents: [...(channel?.all_jobs_events ?? [])],
  };
}

/** What is wrong before sending (the API checks again). */
function problems(form: FormState, editing: ChannelRead | undefined): Partial<Record<keyof FormState, string>> {
  const found: Partial<Record<keyof FormState, string>> = {};
  if (!form.name.trim()) found.name = "Give the channel a name.";
  const needsSecret = !editing || editing.kind !== form.kind;
  if (form.kind === "webhook") {
    if (!/^https?:\/\/\S+$/.test(form.url.trim())) found.url = "An http:// or https:// URL.";
    if ((needsSecret || form.secret) && form.secret.length < MIN_SIGNING_SECRET)
      found.secret = `At least ${MIN_SIGNING_SECRET} characters.`;
  }
  if (form.kind === "slack" && (needsSecret || form.secret) && !/^https?:\/\/\S+$/.test(form.secret.trim()))
    found.secret = "The incoming webhook URL Slack gave you.";
  if (form.kind === "email") {
    if (!form.host.trim()) found.host = "The SMTP server.";
    const port = Number(form.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) found.port = "A port from 1 to 65535.";
    if (!form.fromAddress.includes("@")) found.fromAddress = "An email address.";
    const to = splitAddresses(form.toAddresses);
    if (to.length === 0 || to.some((a) => !a.includes("@"))) found.toAddresses = "One or more email addresses, comma-separated.";
  }
  return found;
}

function splitAddresses(text: string): string[] {
  return text
    .split(/[,;\s]+/)
    .map((a) => a.trim())
    .filter(Boolean);
}

function configOf(form: FormState): ChannelCreate["config"] {
  if (form.kind === "webhook") return { kind: "webhook", url: form.url.trim() };
  if (form.kind === "slack") return { kind: "slack" };
  return {
    kind: "email",
    host: form.host.trim(),
    port: Number(form.port),
    security: form.security,
    username: form.username.trim() || null,
    from_address: form.fromAddress.trim(),
    to_addresses: splitAddresses(form.toAddresses),
  };
}

/** Create or edit a channel (admins). The secret is write-only: editing shows it as set, never its value.
 * Give it a new `key` each time it opens: its fields start from `channel` when it mounts. */
export function ChannelFormDialog({
  open,
  onOpenChange,
  channel,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  channel?: ChannelRead;
}) {
  const [form, setForm] = React.useState<FormState>(() => initialState(channel));
  const [errors, setErrors] = React.useState<Partial<Record<keyof FormState, string>>>({});
  const [rootError, setRootError] = React.useState<string | null>(null);
  const create = useCreateChannel();
  const update = useUpdateChannel();
  const saving = create.isPending || update.isPending;

  const set = <K extends keyof FormState>(key: K, value: FormState[K]) => setForm((f) => ({ ...f, [key]: value }));

  const onError = (error: unknown) => {
    const apiError = toApiError(error);
    if (apiError.code === "ChannelNameTaken") {
      setErrors({ name: "A channel with this name already exists." });
      return;
    }
    const listed = (apiError.details as { problems?: ApiProblem[] } | undefined)?.problems;
    setRootError(listed?.length ? listed.map((p) => `${p.field}: ${p.message}`).join("; ") : apiError.message);
  };

  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    const found = problems(form, channel);
    setErrors(found);
    setRootError(null);
    if (Object.keys(found).length > 0) return;
    const secret = form.secret ? form.secret : undefined;
    const body = {
      name: form.name.trim(),
      config: configOf(form),
      enabled: form.enabled,
      all_jobs_events: form.allJobsEvents,
      ...(secret !== undefined ? { secret } : {}),
    };
    const done = (saved: ChannelRead) => {
      toast.success(channel ? `${saved.name} saved` : `${saved.name} created`);
      onOpenChange(false);
    };
    if (channel) update.mutate({ id: channel.id, body }, { onSuccess: done, onError });
    else create.mutate(body, { onSuccess: done, onError });
  };

  const secretHint =
    channel?.has_secret && channel.kind === form.kind
      ? "Set. Leave empty to keep it; it is never shown again."
      : form.kind === "webhook"
        ? `Receivers check X-Portal-Signature with it (at least ${MIN_SIGNING_SECRET} characters).`
        : form.kind === "slack"
          ? "The URL is the credential: it is stored encrypted and never shown."
          : "Leave empty when the server needs no password.";

  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent className="sm:max-w-lg">
        <DialogHeader>
          <DialogTitle>{channel ? `Edit ${channel.name}` : "New channel"}</DialogTitle>
          <DialogDescription>Where the portal sends run outcomes. Jobs choose which events go here.</DialogDescription>
        </DialogHeader>
        <form onSubmit={submit} noValidate aria-label={channel ? "Edit channel" : "New channel"} className="flex flex-col gap-4">
          <FormField id="channel-name" label="Name" error={errors.name}>
            <Input id="channel-name" value={form.name} onChange={(e) => set("name", e.target.value)} autoComplete="off" />
          </FormField>
          <FormField id="channel-kind" label="Kind">
            <Select value={form.kind} onValueChange={(value) => set("kind", value as ChannelKind)}>
              <SelectTrigger id="channel-kind" className="w-full">
                <SelectValue />
              </SelectTrigger>
              <SelectContent>
                {CHANNEL_KINDS.map((kind) => (
                  <SelectItem key={kind} value={kind}>
                    {KIND_LABEL[kind]}
                  </SelectItem>
                ))}
              </SelectContent>
            </Select>
          </FormField>
          {form.kind === "webhook" && (
            <FormField id="channel-url" label="URL" error={errors.url}>
              <Input id="channel-url" value={form.url} onChange={(e) => set("url", e.target.value)} placeholder="https://" />
            </FormField>
          )}
          {form.kind === "email" && (
            <>
              <div className="grid grid-cols-3 gap-3">
                <FormField id="channel-host" label="SMTP host" error={errors.host} className="col-span-2">
                  <Input id="channel-host" value={form.host} onChange={(e) => set("host", e.target.value)} />
                </FormField>
                <FormField id="channel-port" label="Port" error={errors.port}>
                  <Input id="channel-port" inputMode="numeric" value={form.port} onChange={(e) => set("port", e.target.value)} />
                </FormField>
              </div>
              <FormField id="channel-security" label="Security">
                <Select value={form.security} onValueChange={(value) => set("security", value as Security)}>
                  <SelectTrigger id="channel-security" className="w-full">
                    <SelectValue />
                  </SelectTrigger>
                  <SelectContent>
                    <SelectItem value="starttls">STARTTLS (port 587)</SelectItem>
                    <SelectItem value="tls">TLS (port 465)</SelectItem>
                    <SelectItem value="none">None (local relay only)</SelectItem>
                  </SelectContent>
                </Select>
              </FormField>
              <FormField id="channel-username" label="User name" hint="Empty: no login.">
                <Input id="channel-username" value={form.username} onChange={(e) => set("username", e.target.value)} autoComplete="off" />
              </FormField>
              <FormField id="channel-from" label="From" error={errors.fromAddress}>
                <Input id="channel-from" value={form.fromAddress} onChange={(e) => set("fromAddress", e.target.value)} />
              </FormField>
              <FormField id="channel-to" label="To" error={errors.toAddresses} hint="Comma-separated addresses.">
                <Input id="channel-to" value={form.toAddresses} onChange={(e) => set("toAddresses", e.target.value)} />
              </FormField>
            </>
          )}
          <FormField id="channel-secret" label={SECRET_LABEL[form.kind]} error={errors.secret} hint={secretHint}>
            <Input
              id="channel-secret"
              type="password"
              autoComplete="new-password"
              value={form.secret}
              onChange={(e) => set("secret", e.target.value)}
            />
          </FormField>
          <div className="flex flex-col gap-2">
            <Label>Every job's events</Label>
            <EventCheckboxes
              idPrefix="channel-all-jobs"
              value={form.allJobsEvents}
              onChange={(events) => set("allJobsEvents", events)}
              labelSuffix=" (every job)"
            />
            <p className="text-xs text-muted-foreground">Unchecked: only the jobs that pick this channel.</p>
          </div>
          <div className="flex items-center gap-2">
            <Switch id="channel-enabled" checked={form.enabled} onCheckedChange={(checked) => set("enabled", checked)} />
            <Label htmlFor="channel-enabled">Enabled</Label>
          </div>
          {rootError && <p className="text-sm text-destructive">{rootError}</p>}
          <DialogFooter>
            <Button type="button" variant="outline" onClick={() => onOpenChange(false)}>
              Cancel
            </Button>
            <Button type="submit" disabled={saving}>
              {saving ? "Saving…" : channel ? "Save channel" : "Create channel"}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
