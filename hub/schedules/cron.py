"""Cron expressions: validation, human description and run times, timezone and DST aware.

Pure functions (no database). DST rules, the same in the preview and when firing:
- a wall-clock time that does not exist (spring forward) runs at the first moment after
  the gap (02:30 in Europe/Berlin on the last Sunday of March runs at 03:00 CEST);
- a wall-clock time that happens twice (fall back) runs once, at its first occurrence,
  unless the hour field is a wildcard or a step (`*`, `*/2`): such expressions follow
  real elapsed time and run at both instants, as cron does.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from celery.schedules import crontab
from cron_descriptor import Options, get_description
from croniter import croniter

MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
FIELD_NAMES = ("minute", "hour", "day of month", "month", "day of week")


def normalize_cron(expression: str) -> str:
    """The expression as five space-separated fields, or ValueError saying what is wrong."""
    text = " ".join(str(expression).split()).lower()
    text = MACROS.get(text, text)
    fields = text.split(" ") if text else []
    if len(fields) != 5:
        raise ValueError(
            f"Give 5 fields (minute hour day-of-month month day-of-week), got {len(fields)}."
        )
    if not croniter.is_valid(text):
        raise ValueError(f"{text!r} is not a valid cron expression.")
    try:
        crontab(**celery_fields(text))
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{text!r} is not supported by the scheduler: {exc}") from exc
    return text


def celery_fields(expression: str) -> dict[str, str]:
    minute, hour, day_of_month, month, day_of_week = expression.split(" ")
    return {
        "minute": minute,
        "hour": hour,
        "day_of_month": day_of_month,
        "month_of_year": month,
        "day_of_week": day_of_week,
    }


def zone(name: str) -> ZoneInfo:
    """The zoneinfo zone, or ValueError for unknown names."""
    if not isinstance(name, str) or name not in _zone_names():
        raise ValueError(
            f"Unknown timezone {name!r}: use an IANA name such as 'Europe/Berlin' or 'UTC'."
        )
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"Unknown timezone {name!r}.") from exc


_ZONES: frozenset[str] = frozenset()


def _zone_names() -> frozenset[str]:
    global _ZONES
    if not _ZONES:
        _ZONES = frozenset(available_timezones()) | {"UTC"}
    return _ZONES


def describe(expression: str) -> str:
    options = Options()
    options.use_24hour_time_format = True
    return str(get_description(expression, options))


def _hour_follows_elapsed_time(expression: str) -> bool:
    return expression.split(" ")[1].startswith("*")


def _is_repeat(candidate: datetime, previous: datetime | None, expression: str) -> bool:
    """True for the second occurrence of a wall-clock time on a fall-back night."""
    if previous is None or _hour_follows_elapsed_time(expression):
        return False
    return candidate.replace(tzinfo=None) == previous.replace(tzinfo=None)


def next_runs(
    expression: str, timezone: str, *, count: int = 5, after: datetime | None = None
) -> list[datetime]:
    """The next `count` run times strictly after `after` (default now), in the zone."""
    tz = zone(timezone)
    start = (after or datetime.now(tz)).astimezone(tz)
    iterator = croniter(expression, start)
    runs: list[datetime] = []
    previous: datetime | None = None
    while len(runs) < count:
        candidate = iterator.get_next(datetime)
        if not _is_repeat(candidate, previous, expression):
            runs.append(candidate)
        previous = candidate
    return runs


def due_slot(expression: str, timezone: str, now: datetime) -> datetime | None:
    """The run time a fire at `now` belongs to: the latest one at or before now.

    None when that time is the repeated occurrence of a fall-back night (it does not run).
    """
    tz = zone(timezone)
    back = croniter(expression, (now.astimezone(UTC) + timedelta(seconds=1)).astimezone(tz))
    latest = back.get_prev(datetime)
    before = back.get_prev(datetime)
    return None if _is_repeat(latest, before, expression) else latest
