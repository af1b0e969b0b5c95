"""/api/v1/notification-channels: channels (secrets write-only), send test, delivery log;
/api/v1/jobs/{job_id}/notifications: which channels a job tells about which events."""

from __future__ import annotations

from fastapi import APIRouter, status

from portal.api.deps import CipherDep, SessionDep, SettingsDep
from portal.api.openapi import errors
from portal.api.page import Page
from portal.api.schemas import IdPath, Limit, Offset
from portal.audit.context import AuditDep
from portal.notifications import service
from portal.notifications.delivery import DeliveryPolicy
from portal.notifications.models import DeliveryStatus, NotificationChannel
from portal.notifications.schemas import (
    ChannelCreate,
    ChannelRead,
    ChannelUpdate,
    DeliveryRead,
    JobNotifications,
    JobNotificationsUpdate,
)

channels_router = APIRouter(prefix="/notification-channels", tags=["notifications"])
jobs_router = APIRouter(prefix="/jobs", tags=["notifications"])

_REFUSED = (
    422,
    "`RequestValidationError`, a missing or malformed secret for the kind (`details.problems`), or "
    "`DestinationRefused`: the channel's host is in a refused network",
)


def _read(channel: NotificationChannel) -> ChannelRead:
    return ChannelRead.model_validate(
        {
            "id": channel.id,
            "name": channel.name,
            "kind": channel.kind,
            "config": channel.config,
            "has_secret": channel.secret_encrypted is not None,
            "enabled": channel.enabled,
            "all_jobs_events": channel.all_jobs_events,
            "created_at": channel.created_at,
            "updated_at": channel.updated_at,
        }
    )


@channels_router.get("")
async def list_channels(session: SessionDep, offset: Offset = 0, limit: Limit = 100) -> Page[ChannelRead]:
    rows, total = await service.list_channels(session, offset, limit)
    return Page(items=[_read(r) for r in rows], total=total)


@channels_router.post(
    "", status_code=status.HTTP_201_CREATED, responses=errors((409, "`ChannelNameTaken`"), _REFUSED)
)
async def create_channel(
    body: ChannelCreate, session: SessionDep, cipher: CipherDep, settings: SettingsDep, audit: AuditDep
) -> ChannelRead:
    return _read(await service.create_channel(session, cipher, body, settings, audit))


@channels_router.get("/{channel_id}")
async def read_channel(channel_id: IdPath, session: SessionDep) -> ChannelRead:
    return _read(await service.get_channel(session, channel_id))


@channels_router.put(
    "/{channel_id}",
    responses=errors(
        (409, "`ChannelNameTaken`, or `CredentialDecryptionError`: the stored secret cannot be read"),
        _REFUSED,
    ),
)
async def update_channel(
    channel_id: IdPath,
    body: ChannelUpdate,
    session: SessionDep,
    cipher: CipherDep,
    settings: SettingsDep,
    audit: AuditDep,
) -> ChannelRead:
    return _read(await service.update_channel(session, cipher, channel_id, body, settings, audit))


@channels_router.delete("/{channel_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_channel(channel_id: IdPath, session: SessionDep, audit: AuditDep) -> None:
    await service.delete_channel(session, channel_id, audit)


@channels_router.post("/{channel_id}/test")
async def send_test(
    channel_id: IdPath, session: SessionDep, cipher: CipherDep, settings: SettingsDep
) -> DeliveryRead:
    """Send a `test` delivery now, once; the answer is its outcome (`status` sent or failed, the
    response code, the error), also kept in the channel's delivery log."""
    policy = DeliveryPolicy.from_settings(settings)
    return DeliveryRead.model_validate(await service.send_test(session, cipher, channel_id, settings, policy))


@channels_router.get("/{channel_id}/deliveries")
async def list_deliveries(
    channel_id: IdPath,
    session: SessionDep,
    status: DeliveryStatus | None = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> Page[DeliveryRead]:
    """The channel's delivery log, newest first."""
    rows, total = await service.list_deliveries(session, channel_id, status, offset, limit)
    return Page(items=[DeliveryRead.model_validate(r) for r in rows], total=total)


@jobs_router.get("/{job_id}/notifications")
async def read_job_notifications(job_id: IdPath, session: SessionDep) -> JobNotifications:
    return await service.job_notifications(session, job_id)


@jobs_router.put(
    "/{job_id}/notifications",
    responses=errors((422, "`RequestValidationError`, or an unknown channel (`details.problems`)")),
)
async def update_job_notifications(
    job_id: IdPath, body: JobNotificationsUpdate, session: SessionDep, audit: AuditDep
) -> JobNotifications:
    return await service.set_job_notifications(session, job_id, body, audit)


router = APIRouter()
router.include_router(channels_router)
router.include_router(jobs_router)
