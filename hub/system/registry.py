"""Every runtime-editable setting: its type, default, bounds and meaning.

Values live in the database (SystemSetting); anything not stored there has its default.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class SettingSpec:
    key: str
    type: str  # "int" | "bool" | "str" | "choice"
    default: Any
    description: str
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] = field(default_factory=tuple)
    pattern: str = ""  # a full-match regex for "str" settings
    pattern_help: str = ""


SPECS: dict[str, SettingSpec] = {
    spec.key: spec
    for spec in (
        SettingSpec(
            "execution.default_forks",
            "int",
            20,
            "Hosts run in parallel by one execution unless it sets its own concurrency.",
            1,
            500,
        ),
        SettingSpec(
            "execution.default_timeout",
            "int",
            3600,
            "Seconds a script step may run on one host unless the step sets a timeout.",
            1,
            86400,
        ),
        SettingSpec(
            "execution.live_output_limit",
            "int",
            1024 * 1024,
            "Bytes of one host's output shown live; the rest is kept whole on disk.",
            1024,
            64 * 1024 * 1024,
        ),
        SettingSpec(
            "execution.max_concurrent",
            "int",
            8,
            "Executions one worker runs at the same time.",
            1,
            64,
        ),
        SettingSpec(
            "execution.python_interpreter",
            "str",
            "auto_silent",
            "Python on targets for file steps (scripts need none): auto_silent or a path.",
            pattern=r"auto|auto_silent|auto_legacy|auto_legacy_silent|/[^\s'\"]+",
            pattern_help="auto, auto_silent, auto_legacy, auto_legacy_silent or an absolute path "
            "without spaces or quotes",
        ),
        SettingSpec(
            "logs.retention_days",
            "int",
            90,
            "Execution records and their logs older than this are pruned.",
            1,
            3650,
        ),
        SettingSpec("feature.captcha", "bool", False, "Ask for a captcha at login."),
        SettingSpec("feature.cache", "bool", True, "Cache dashboard figures in Redis."),
        SettingSpec(
            "feature.object_permissions",
            "bool",
            True,
            "Enforce per-object permissions; when off every user sees every object.",
        ),
        SettingSpec(
            "feature.dangerous_command_check",
            "bool",
            True,
            "Check scripts against the dangerous-command rules at save and at run.",
        ),
        SettingSpec(
            "schedules.misfire_grace_seconds",
            "int",
            3600,
            "A cron run that fires later than this after its time (e.g. beat was "
            "down) is recorded as missed and not run.",
            60,
            86400,
        ),
        SettingSpec(
            "schedules.default_retry_count",
            "int",
            0,
            "Retries of a failed scheduled run when the schedule does not say.",
            0,
            10,
        ),
        SettingSpec(
            "schedules.default_retry_delay_seconds",
            "int",
            60,
            "Seconds before a retry when the schedule does not say.",
            1,
            86400,
        ),
        SettingSpec(
            "notifications.webhook_timeout_seconds",
            "int",
            10,
            "Seconds to wait for a notification webhook to answer.",
            1,
            120,
        ),
        SettingSpec(
            "notifications.email_from",
            "str",
            "opsjob@localhost",
            "Sender address of notification emails.",
        ),
        SettingSpec(
            "security.outbound_allow_networks",
            "str",
            "",
            "Networks (CIDR, comma-separated) webhooks, git clones and cloud endpoints may "
            "reach although they are loopback, private or link-local; empty: public only.",
            pattern=r"\s*(?:[0-9A-Fa-f.:]+(?:/\d{1,3})?(?:\s*,\s*|\s+|\s*$))*",
            pattern_help="a comma-separated list of networks such as 10.1.0.0/16, fd00::/8",
        ),
        SettingSpec(
            "dashboard.cache_seconds",
            "int",
            60,
            "Seconds dashboard figures stay cached (writes invalidate them sooner).",
            1,
            3600,
        ),
        SettingSpec(
            "dashboard.beat_stale_seconds",
            "int",
            120,
            "Beat counts as down when its last tick is older than this.",
            10,
            86400,
        ),
    )
}


def validate_value(spec: SettingSpec, value: Any) -> Any:
    """The value converted to the spec's type, or ValueError saying what is wrong."""
    if spec.type == "bool":
        if not isinstance(value, bool):
            raise ValueError("Must be true or false.")
        return value
    if spec.type == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("Must be an integer.")
        if spec.minimum is not None and value < spec.minimum:
            raise ValueError(f"Must be at least {spec.minimum}.")
        if spec.maximum is not None and value > spec.maximum:
            raise ValueError(f"Must be at most {spec.maximum}.")
        return value
    if not isinstance(value, str) or len(value) > 1000:
        raise ValueError("Must be a string of at most 1000 characters.")
    if spec.choices and value not in spec.choices:
        raise ValueError(f"Must be one of: {', '.join(spec.choices)}.")
    if spec.pattern and not re.fullmatch(spec.pattern, value):
        raise ValueError(f"Must be {spec.pattern_help}.")
    return value
