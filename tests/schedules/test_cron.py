"""Cron validation, descriptions and run times across DST changes (pure functions)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from hub.schedules.cron import describe, due_slot, next_runs, normalize_cron, zone

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    "expression",
    [
        "61 * * * *",
        "* * * *",
        "* * * * * *",
        "0 0 L * *",
        "a b c d e",
        "0 25 * * *",
        "",
        "0 0 * * 1#2",
    ],
)
def test_bad_expressions_are_refused(expression: str) -> None:
    with pytest.raises(ValueError):
        normalize_cron(expression)


def test_expressions_are_normalized() -> None:
    assert normalize_cron("  */5   9-17 * *  MON-FRI ") == "*/5 9-17 * * mon-fri"
    assert normalize_cron("@daily") == "0 0 * * *"
    assert describe("*/5 9-17 * * mon-fri") == (
        "Every 5 minutes, between 09:00 and 17:59, Monday through Friday"
    )


def test_unknown_zone() -> None:
    with pytest.raises(ValueError, match="Unknown timezone"):
        zone("Mars/Olympus")
    assert zone("Europe/Berlin") == BERLIN


def test_spring_forward_missing_time_runs_once_after_the_gap() -> None:
    runs = next_runs(
        "30 2 * * *", "Europe/Berlin", count=3, after=datetime(2025, 3, 29, 12, tzinfo=UTC)
    )
    assert [r.isoformat() for r in runs] == [
        "2025-03-30T03:00:00+02:00",
        "2025-03-31T02:30:00+02:00",
        "2025-04-01T02:30:00+02:00",
    ]


def test_fixed_time_keeps_wall_clock_across_dst() -> None:
    runs = next_runs(
        "0 9 * * *", "America/New_York", count=3, after=datetime(2025, 3, 8, 12, tzinfo=NEW_YORK)
    )
    assert [r.astimezone(UTC).hour for r in runs] == [13, 13, 13]
    assert [r.utcoffset().total_seconds() / 3600 for r in runs] == [-4, -4, -4]
    before = next_runs(
        "0 9 * * *", "America/New_York", count=1, after=datetime(2025, 3, 7, 12, tzinfo=NEW_YORK)
    )[0]
    assert before.astimezone(UTC).hour == 14


def test_fall_back_repeated_time_runs_once() -> None:
    runs = next_runs(
        "30 1 * * *", "America/New_York", count=3, after=datetime(2025, 11, 1, 12, tzinfo=NEW_YORK)
    )
    assert [r.isoformat() for r in runs] == [
        "2025-11-02T01:30:00-04:00",
        "2025-11-03T01:30:00-05:00",
        "2025-11-04T01:30:00-05:00",
    ]
    second = datetime(2025, 11, 2, 1, 30, 20, fold=1, tzinfo=NEW_YORK)
    assert due_slot("30 1 * * *", "America/New_York", second) is None


def test_fall_back_hourly_runs_at_both_instants() -> None:
    runs = next_runs(
        "0 * * * *",
        "America/New_York",
        count=3,
        after=datetime(2025, 11, 2, 0, 30, tzinfo=NEW_YORK),
    )
    assert [r.astimezone(UTC).hour for r in runs] == [5, 6, 7]
    second = datetime(2025, 11, 2, 1, 0, 5, fold=1, tzinfo=NEW_YORK)
    assert due_slot("0 * * * *", "America/New_York", second) == second.replace(second=0)


def test_due_slot_is_the_latest_time_at_or_before_now() -> None:
    now = datetime(2025, 6, 1, 10, 7, 30, tzinfo=UTC)
    assert due_slot("*/5 * * * *", "UTC", now) == datetime(2025, 6, 1, 10, 5, tzinfo=UTC)
    assert due_slot("0 12 * * *", "Europe/Berlin", now) == datetime(2025, 6, 1, 12, tzinfo=BERLIN)
    assert due_slot("0 13 * * *", "Europe/Berlin", now) == datetime(2025, 5, 31, 13, tzinfo=BERLIN)
