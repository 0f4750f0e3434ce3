"""Dangerous-command rules: regular expressions that warn about or block script content."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from hub.core.exceptions import DomainError
from hub.scripts.choices import RuleAction
from hub.scripts.models import DangerousCommandRule


@dataclass(frozen=True)
class RuleMatch:
    rule_id: int
    action: str
    description: str
    line: int
    text: str


def check_script(content: str, script_type: str) -> list[RuleMatch]:
    from hub.system.services import get_setting

    if not get_setting("feature.dangerous_command_check"):
        return []
    matches: list[RuleMatch] = []
    rules = [
        r
        for r in DangerousCommandRule.objects.filter(enabled=True)
        if not r.script_types or script_type in r.script_types
    ]
    compiled = [(rule, re.compile(rule.pattern, re.MULTILINE)) for rule in rules]
    for number, line in enumerate(content.splitlines(), start=1):
        for rule, regex in compiled:
            if regex.search(line):
                matches.append(
                    RuleMatch(rule.pk, rule.action, rule.description, number, line.strip()[:200])
                )
    return matches


class DangerousScript(DomainError):
    status_code = 400


def enforce_rules(
    content: str, script_type: str, *, field: str = "content"
) -> list[dict[str, Any]]:
    """Raises when a blocking rule matches; returns the warnings otherwise."""
    matches = check_script(content, script_type)
    blocked = [m for m in matches if m.action == RuleAction.BLOCK]
    if blocked:
        first = blocked[0]
        raise DangerousScript(
            f"Blocked by dangerous-command rule '{first.description}' at line {first.line}: "
            f"{first.text}",
            field=field,
        )
    return [asdict(m) for m in matches]


def validate_pattern(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise DomainError(f"Not a valid regular expression: {exc}", field="pattern") from exc
    return pattern
