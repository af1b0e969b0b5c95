"""Account commands: `python -m portal.users create-admin --email you@example.com [--name "You"]`.

The password comes from ADMIN_PASSWORD in the environment (or .env), else a prompt (asked twice).
At least 8 characters, and never a placeholder such as `admin` or `change-me`.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys

from portal.audit.models import AuditAction
from portal.audit.service import record
from portal.auth.passwords import check_new_password
from portal.auth.principal import Role
from portal.core.config import PLACEHOLDER_SECRETS, Settings, get_settings
from portal.core.errors import PortalError
from portal.db.session import create_engine_from_settings, create_session_factory
from portal.users.service import create_user, user_snapshot


def _password(settings: Settings) -> str:
    if settings.admin_password is not None:  # ADMIN_PASSWORD in the environment or .env
        return settings.admin_password.get_secret_value()
    if not sys.stdin.isatty():
        raise SystemExit("create-admin: set ADMIN_PASSWORD or run it in a terminal to be asked")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        raise SystemExit("create-admin: the passwords differ")
    return first


async def create_admin(settings: Settings, email: str, name: str, password: str) -> int:
    """Create an active admin; returns its id (PortalError when the email is taken or the password weak)."""
    if password in PLACEHOLDER_SECRETS:
        raise SystemExit("create-admin: that password is a placeholder; choose another")
    check_new_password(password, field="password")
    engine = create_engine_from_settings(settings)
    try:
        async with create_session_factory(engine)() as session:
            user = await create_user(session, email=email, name=name, role=Role.ADMIN, password=password)
            record(
                session,
                action=AuditAction.CREATE,
                resource_type="user",
                resource_id=user.id,
                actor_email="cli:create-admin",
                after=user_snapshot(user),
            )
            await session.commit()
            return user.id
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m portal.users", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-admin", help="create an admin account")
    create.add_argument("--email", required=True)
    create.add_argument("--name", default="")
    args = parser.parse_args(argv)
    settings = get_settings()
    try:
        user_id = asyncio.run(create_admin(settings, args.email, args.name, _password(settings)))
    except PortalError as exc:
        print(f"create-admin: {exc.message}", file=sys.stderr)
        return 1
    print(f"admin {args.email.strip().lower()} created (id {user_id})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
