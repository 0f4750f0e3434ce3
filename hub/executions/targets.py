"""Resolving who a launch runs on, and checking the launcher may run there."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from hub.core.exceptions import DomainError, NotAllowed
from hub.core.permissions import permitted, user_can
from hub.inventory.api.filters import descendant_group_ids
from hub.inventory.models import Account, Host, HostGroup

MAX_TARGETS = 5000


def resolve_hosts(
    *,
    actor: Any,
    host_ids: Iterable[int],
    group_ids: Iterable[int],
    field: str = "target_host_ids",
    action: str = "execute",
) -> list[Host]:
    """Hosts named directly or through (nested) groups, each one the actor may execute on.

    A host is allowed when the actor has `execute` on it or on a requested group that
    contains it; unknown or invisible ids are a 400 naming the field. Permissions are read
    for all hosts at once (a fixed number of queries, however many hosts).
    """
    host_ids, group_ids = list(dict.fromkeys(host_ids)), list(dict.fromkeys(group_ids))
    hosts = {h.pk: h for h in Host.objects.filter(pk__in=host_ids).select_related("account")}
    groups = {g.pk: g for g in HostGroup.objects.filter(pk__in=group_ids)}
    if missing := _invisible(actor, host_ids, hosts):
        raise DomainError(f"Unknown host id(s): {missing[:20]}.", field=field)
    if missing := _invisible(actor, group_ids, groups):
        raise DomainError(f"Unknown group id(s): {missing[:20]}.", field="target_group_ids")
    allowed = _add_group_members(actor, groups, hosts, action)
    allowed |= permitted(actor, [h for h in hosts.values() if h.pk not in allowed], action)
    if denied := [h.name for h in hosts.values() if h.pk not in allowed]:
        raise NotAllowed(f"You may not run jobs on: {', '.join(denied[:20])}.", field=field)
    if not hosts:
        raise DomainError("Choose at least one target host or group.", field=field)
    if len(hosts) > MAX_TARGETS:
        raise DomainError(f"At most {MAX_TARGETS} target hosts.", field=field)
    return sorted(hosts.values(), key=lambda h: h.name)


def _invisible(actor: Any, ids: list[int], found: Mapping[int, Host | HostGroup]) -> list[int]:
    """The requested ids that do not exist or that the actor may not view, in order."""
    visible = permitted(actor, found.values(), "view")
    return [i for i in ids if i not in visible]


def _add_group_members(
    actor: Any, groups: dict[int, HostGroup], hosts: dict[int, Host], action: str
) -> set[int]:
    """Adds the hosts of each group (and its subgroups) to `hosts`; returns the ids of those
    the actor may run on through a group it may run on."""
    runnable = permitted(actor, groups.values(), action)
    allowed: set[int] = set()
    for group in groups.values():
        members = (
            Host.objects.filter(groups__in=descendant_group_ids(group.pk))
            .select_related("account")
            .distinct()
        )
        for host in members:
            hosts.setdefault(host.pk, host)
            if group.pk in runnable:
                allowed.add(host.pk)
    return allowed


def check_account(actor: Any, account: Account | None, field: str = "account_id") -> None:
    if account is not None and not user_can(actor, account, "execute"):
        raise NotAllowed(f"You may not run jobs with account {account.name!r}.", field=field)


def require_accounts(hosts: Iterable[Host], account: Account | None, field: str) -> None:
    without = [h.name for h in hosts if h.account_id is None] if account is None else []
    if without:
        raise DomainError(
            f"No execution account for host(s) {', '.join(without[:20])}: "
            "give one or set the hosts' account.",
            field=field,
        )
