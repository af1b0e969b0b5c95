import type { ChannelKind, ChannelRead, EventType } from "@/features/notifications/types";

export const KIND_LABEL: Record<ChannelKind, string> = {
  webhook: "Signed webhook",
  slack: "Slack webhook",
  email: "Email",
};

export const EVENT_LABEL: Record<EventType, string> = {
  run_succeeded: "Run succeeded",
  run_failed: "Run failed",
  run_completed_with_rejects: "Completed with rejects",
  schedule_disabled: "Schedule disabled by failures",
  schema_drift: "Schema drift found",
  cdc_lag: "CDC lag",
};

/** Events the portal sends today; cdc_lag is defined for change streams and not emitted yet. */
export const EMITTED_EVENTS: readonly EventType[] = [
  "run_succeeded",
  "run_failed",
  "run_completed_with_rejects",
  "schedule_disabled",
  "schema_drift",
];

/** Where a channel sends, in words (never the secret: a Slack URL is one). */
export function channelTarget(channel: ChannelRead): string {
  const config = channel.config;
  if (config.kind === "webhook") return config.url;
  if (config.kind === "email") return config.to_addresses.join(", ");
  return channel.has_secret ? "Incoming webhook URL set" : "No webhook URL";
}

export const SECRET_LABEL: Record<ChannelKind, string> = {
  webhook: "Signing secret",
  slack: "Incoming webhook URL",
  email: "SMTP password",
};
