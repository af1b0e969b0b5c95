"""Cron expressions as Airflow will read them: checked, described, and their next fire times."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cron_descriptor import get_description
from cron_descriptor.Exception import FormatError, MissingFieldError, WrongArgumentError
from croniter import CroniterError, croniter

from portal.core.errors import ValidationFailedError

# Airflow's cron presets, spelled out for the description and the fire times.
PRESETS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}


def _expanded(expression: str) -> str:
    return PRESETS.get(expression.strip().lower(), expression.strip())


def check_cron(expression: str) -> str:
    """The expression, trimmed, or ValidationFailedError (422) saying what is wrong with it."""
    expanded = _expanded(expression)
    fields = expanded.split()
    if len(fields) != 5:
        raise ValidationFailedError(
            f"Invalid cron expression {expression!r}: expected 5 fields (minute hour day-of-month "
            f"month day-of-week) or one of {', '.join(sorted(PRESETS))}, got {len(fields)} field(s)",
            field="cron_expression",
            cron_expression=expression,
        )
    try:
        croniter(expanded)
    except CroniterError as exc:
        raise ValidationFailedError(
            f"Invalid cron expression {expression!r}: {exc}",
            field="cron_expression",
            cron_expression=expression,
        ) from exc
    return expression.strip()


def check_timezone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationFailedError(
            f"Unknown timezone {name!r}: use an IANA name such as 'UTC' or 'Europe/Berlin'",
            field="timezone",
            timezone=name,
        ) from exc


def describe(expression: str) -> str:
    """In words; an expression croniter (and so Airflow) runs but cron-descriptor cannot put into
    words is shown as it is rather than failing the response."""
    try:
        return str(get_description(_expanded(expression)))
    except (FormatError, MissingFieldError, WrongArgumentError):
        return expression


def next_fire_times(expression: str, timezone: str, *, after: datetime, count: int = 5) -> list[datetime]:
    """The next `count` fire times after `after`, evaluated in `timezone` (DST-aware)."""
    start = after.astimezone(ZoneInfo(timezone))
    iterator = croniter(_expanded(expression), start)
    return [iterator.get_next(datetime) for _ in range(count)]
