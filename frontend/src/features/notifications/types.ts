// The notifications API's shapes, aliases over the generated OpenAPI types.
import { channelKindValues, eventTypeValues, type components } from "@/types/api.generated";

type Schemas = components["schemas"];

export type ChannelKind = Schemas["ChannelKind"];
export type EventType = Schemas["EventType"];
export type ChannelRead = Schemas["ChannelRead"];
export type ChannelCreate = Schemas["ChannelCreate"];
/** PUT body: fields left out keep their value; an omitted secret keeps the stored one. */
export type ChannelUpdate = Schemas["ChannelUpdate"];
export type WebhookConfig = Schemas["WebhookConfig"];
export type EmailConfig = Schemas["EmailConfig"];
export type DeliveryRead = Schemas["DeliveryRead"];
export type DeliveryStatus = Schemas["DeliveryStatus"];
export type JobNotifications = Schemas["JobNotifications"];
export type JobNotificationsUpdate = Schemas["JobNotificationsUpdate"];

export const CHANNEL_KINDS: readonly ChannelKind[] = channelKindValues;
export const EVENT_TYPES: readonly EventType[] = eventTypeValues;
