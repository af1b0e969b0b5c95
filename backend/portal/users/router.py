"""/api/v1/users: accounts managed by an admin (create, rename, re-role, deactivate, reset a password)."""

from __future__ import annotations

from fastapi import APIRouter, status

from portal.api.deps import SessionDep
from portal.api.openapi import errors
from portal.api.page import Page
from portal.api.schemas import IdPath, Limit, Offset
from portal.audit.context import AuditDep
from portal.users import service
from portal.users.schemas import PasswordReset, UserCreate, UserRead, UserUpdate

router = APIRouter(prefix="/users", tags=["users"])


@router.get("")
async def list_users(session: SessionDep, offset: Offset = 0, limit: Limit = 100) -> Page[UserRead]:
    users, total = await service.list_users(session, offset=offset, limit=limit)
    return Page(items=[UserRead.model_validate(user) for user in users], total=total)


@router.post("", status_code=status.HTTP_201_CREATED, responses=errors((409, "`UserExists`")))
async def create_user(body: UserCreate, session: SessionDep, audit: AuditDep) -> UserRead:
    """409 `UserExists` when the email is taken (emails are compared lower-cased); 422
    `PasswordTooShort` under 8 characters."""
    return UserRead.model_validate(await service.add_user(session, body, audit))


@router.get("/{user_id}")
async def read_user(user_id: IdPath, session: SessionDep) -> UserRead:
    return UserRead.model_validate(await service.get_user(session, user_id))


@router.patch("/{user_id}", responses=errors((409, "`LastAdmin`")))
async def update_user(user_id: IdPath, body: UserUpdate, session: SessionDep, audit: AuditDep) -> UserRead:
    """409 `LastAdmin` when an admin would demote or deactivate themself or the last active admin."""
    return UserRead.model_validate(await service.update_user(session, user_id, body, audit))


@router.post(
    "/{user_id}/password",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors((409, "`SingleSignOnUser`: the identity provider keeps the password")),
)
async def reset_password(user_id: IdPath, body: PasswordReset, session: SessionDep, audit: AuditDep) -> None:
    """Set the user's password and end their sessions; 409 `SingleSignOnUser` for an SSO account."""
    await service.reset_password(session, user_id, body, audit)
