"""Every runtime-editable setting: its type, default, bounds and meaning.

Values live in the database (SystemSetting); anything not stored there has its default.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class SettingSpec:
    key: str
    type: str  # "int" | "bool" | "str" | "choice" | "secret" (a str stored encrypted)
    default: Any
    description: str
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] = field(default_factory=tuple)
    pattern: str = ""  # a full-match regex for "str" settings
    pattern_help: str = ""
    max_length: int = 1000  # for "str" and "secret" settings
    check: Callable[[str], None] | None = None  # more checks of a str value (ValueError)


def check_group_mapping(value: str) -> None:
    """A JSON object: directory group DN -> a hub group name or a list of them."""
    try:
        mapping = json.loads(value)
    except json.JSONDecodeError as exc:
        raise ValueError(f"Must be a JSON object (line {exc.lineno}: {exc.msg}).") from exc
    except RecursionError as exc:  # deeply nested input; a mapping is flat
        raise ValueError("Must be a flat JSON object of DN -> group name(s).") from exc
    if not isinstance(mapping, dict):
        raise ValueError('Must be a JSON object such as {"cn=ops,ou=groups,dc=x": ["operators"]}.')
    for dn, names in mapping.items():
        if "=" not in dn:
            raise ValueError(f"{dn!r} is not a distinguished name (cn=...,dc=...).")
        names = [names] if isinstance(names, str) else names
        if not isinstance(names, list) or not all(
            isinstance(n, str) and 0 < len(n.strip()) <= 150 for n in names
        ):
            raise ValueError(f"{dn!r} must map to a group name or a list of group names.")


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
            "metrics.allow_networks",
            "str",
            "",
            "Networks (CIDR, comma-separated) whose clients may read /metrics without a "
            "token; empty: only an API token of a staff user reads it.",
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
        # Directory login (hub/users/ldap_login.py): local accounts are checked first.
        SettingSpec(
            "ldap.enabled",
            "bool",
            False,
            "Sign in users with their LDAP / Active Directory account (after local accounts).",
        ),
        SettingSpec(
            "ldap.server_uri",
            "str",
            "",
            "Directory server(s), e.g. ldaps://dc1.corp.example.com (space-separated for more).",
            pattern=r"(?:ldaps?://[^\s'\"]+(?:\s+ldaps?://[^\s'\"]+)*)?",
            pattern_help="ldap://host[:port] or ldaps://host[:port], space-separated",
        ),
        SettingSpec(
            "ldap.start_tls",
            "bool",
            False,
            "Upgrade ldap:// connections with StartTLS (certificates checked against system CAs).",
        ),
        SettingSpec(
            "ldap.bind_dn",
            "str",
            "",
            "Service account that searches the directory (AD: also user@domain); empty: anonymous.",
        ),
        SettingSpec(
            "ldap.bind_password",
            "secret",
            "",
            "Password of the service account (stored encrypted, never shown).",
        ),
        SettingSpec(
            "ldap.user_search_base",
            "str",
            "",
            "Where users are searched (subtree), e.g. ou=people,dc=example,dc=org.",
        ),
        SettingSpec(
            "ldap.user_search_filter",
            "str",
            "(uid=%(user)s)",
            "Filter finding one user by login name; AD: (sAMAccountName=%(user)s).",
            pattern=r"\(.*%\(user\)s.*\)",
            pattern_help="an LDAP filter in parentheses containing %(user)s",
        ),
        *(
            SettingSpec(
                f"ldap.attr_{name}",
                "str",
                default,
                f"Directory attribute copied into the user's {label} at each login (empty: none).",
                pattern=r"(?:[A-Za-z][\w-]*)?",
                pattern_help="an attribute name such as givenName",
            )
            for name, default, label in (
                ("first_name", "givenName", "first name"),
                ("last_name", "sn", "last name"),
                ("email", "mail", "e-mail"),
            )
        ),
        SettingSpec(
            "ldap.group_search_base",
            "str",
            "",
            "Where groups are searched (subtree); empty: no group sync.",
        ),
        SettingSpec(
            "ldap.group_type",
            "choice",
            "groupOfNames",
            "How groups list their members; the nested kinds follow groups inside groups.",
            choices=(
                "groupOfNames",
                "nestedGroupOfNames",
                "groupOfUniqueNames",
                "posixGroup",
                "activeDirectory",
                "nestedActiveDirectory",
            ),
        ),
        SettingSpec(
            "ldap.group_mapping",
            "str",
            "{}",
            "JSON: directory group DN -> hub group name(s); synced at each login, "
            "only for the hub groups named here.",
            max_length=20000,
            check=check_group_mapping,
        ),
        SettingSpec(
            "ldap.staff_group",
            "str",
            "",
            "Members of this directory group (DN) are staff; others not (empty: left alone).",
        ),
        SettingSpec(
            "ldap.superuser_group",
            "str",
            "",
            "Members of this directory group (DN) are administrators (empty: left alone).",
        ),
        SettingSpec(
            "ldap.timeout_seconds",
            "int",
            5,
            "Seconds to wait for the directory before the login is refused as unavailable.",
            1,
            60,
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
    if not isinstance(value, str) or len(value) > spec.max_length:
        raise ValueError(f"Must be a string of at most {spec.max_length} characters.")
    if spec.choices and value not in spec.choices:
        raise ValueError(f"Must be one of: {', '.join(spec.choices)}.")
    if spec.pattern and not re.fullmatch(spec.pattern, value):
        raise ValueError(f"Must be {spec.pattern_help}.")
    if spec.check is not None:
        spec.check(value)
    return value
