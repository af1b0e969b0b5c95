"""Channel, subscription and delivery bodies. A channel's secret goes in (`SecretStr`), never out:
reads carry `has_secret`."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr, field_validator

from portal.api.schemas import IdField, ReadModel
from portal.notifications.models import ChannelKind, DeliveryStatus, EventType

_EMAIL = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")


def http_url(value: str) -> str:
    """An absolute http(s) URL with a host (what a webhook channel posts to)."""
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError("must be an absolute http:// or https:// URL")
    return value


def email_address(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError("is not an email address")
    return value


EmailAddress = Annotated[str, Field(min_length=3, max_length=320), AfterValidator(email_address)]


class _Config(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class WebhookConfig(_Config):
    """POSTs the event as JSON, signed: `X-Portal-Signature: sha256=<hex of HMAC-SHA256(secret,
    "<X-Portal-Timestamp>.<raw body>")>` (see docs/notifications.md). The channel's secret is the
    signing secret."""

    kind: Literal[ChannelKind.WEBHOOK] = ChannelKind.WEBHOOK
    url: Annotated[str, Field(min_length=1, max_length=2000), AfterValidator(http_url)]


class SlackConfig(_Config):
    """A Slack-compatible incoming webhook (`{"text": ...}`); its URL is the channel's secret."""

    kind: Literal[ChannelKind.SLACK] = ChannelKind.SLACK


class EmailConfig(_Config):
    """SMTP; the channel's secret is the SMTP password (none: no login, or login without one)."""

    kind: Literal[ChannelKind.EMAIL] = ChannelKind.EMAIL
    host: str = Field(min_length=1, max_length=255)
    port: int = Field(default=587, ge=1, le=65535)
    # starttls: plain connection upgraded by STARTTLS (587); tls: TLS from the start (465); none: plain.
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str | None = Field(default=None, max_length=255)
    from_address: EmailAddress
    to_addresses: list[EmailAddress] = Field(min_length=1, max_length=50)


ChannelConfig = Annotated[WebhookConfig | SlackConfig | EmailConfig, Field(discriminator="kind")]


def _unique_events(events: list[EventType]) -> list[EventType]:
    return sorted(set(events), key=list(EventType).index)


Events = Annotated[list[EventType], Field(max_length=len(EventType)), AfterValidator(_unique_events)]


class ChannelCreate(BaseModel):
    """`secret` per kind: webhook — the signing secret (16+ characters); slack — the incoming
    webhook URL; email — the SMTP password (optional)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=100)
    config: ChannelConfig
    secret: SecretStr | None = Field(default=None, max_length=2000)
    enabled: bool = True
    all_jobs_events: Events = Field(
        default_factory=list, description="Events of every job sent to this channel (empty: none)"
    )


class ChannelUpdate(BaseModel):
    """Fields left out keep their value; an omitted (or null) secret keeps the stored one (a new
    kind needs a new secret when that kind requires one)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(default=None, min_length=1, max_length=100)
    config: ChannelConfig | None = None
    secret: SecretStr | None = Field(default=None, max_length=2000)
    enabled: bool | None = None
    all_jobs_events: Events | None = None


class ChannelRead(ReadModel):
    id: int
    name: str
    kind: ChannelKind
    config: ChannelConfig
    has_secret: bool
    enabled: bool
    all_jobs_events: list[EventType]
    created_at: datetime
    updated_at: datetime


class DeliveryRead(ReadModel):
    id: int
    channel_id: int
    event: str = Field(description="An event type, or `test` for a send-test delivery")
    job_id: int | None
    job_run_id: int | None
    payload: dict[str, Any]
    status: DeliveryStatus
    attempts: int
    last_response_code: int | None = Field(description="HTTP status, or the SMTP reply code")
    last_error: str | None
    next_attempt_at: datetime | None
    created_at: datetime
    last_attempt_at: datetime | None
    sent_at: datetime | None


class SubscriptionWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel_id: IdField
    events: Events = Field(min_length=1)


class JobNotificationsUpdate(BaseModel):
    """The job's whole set of subscriptions (a channel left out is unsubscribed)."""

    model_config = ConfigDict(extra="forbid")

    subscriptions: list[SubscriptionWrite] = Field(max_length=200)

    @field_validator("subscriptions")
    @classmethod
    def _one_entry_per_channel(cls, value: list[SubscriptionWrite]) -> list[SubscriptionWrite]:
        ids = [s.channel_id for s in value]
        if len(ids) != len(set(ids)):
            raise ValueError("each channel may appear once")
        return value


class ChannelSubscription(BaseModel):
    channel_id: int
    channel_name: str
    channel_kind: ChannelKind
    channel_enabled: bool
    events: list[EventType]


class JobNotifications(BaseModel):
    job_id: int
    subscriptions: list[ChannelSubscription] = Field(description="Channels this job subscribes")
    all_jobs: list[ChannelSubscription] = Field(
        description="Channels that hear about every job (set on the channel; read-only here)"
    )
