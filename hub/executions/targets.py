"""Resolving who a launch runs on, and checking the launcher may run there."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from hub.core.exceptions import DomainError, NotAllowed
from hub.core.permissions import user_can
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
    contains it; unknown or invisible ids are a 400 naming the field.
    """
    host_ids, group_ids = list(dict.fromkeys(host_ids)), list(dict.fromkeys(group_ids))
    hosts = {h.pk: h for h in Host.objects.filter(pk__in=host_ids).select_related("account")}
    groups = {g.pk: g for g in HostGroup.objects.filter(pk__in=group_ids)}
    if missing := [i for i in host_ids if i not in hosts or not user_can(actor, hosts[i], "view")]:
        raise DomainError(f"Unknown host id(s): {missing[:20]}.", field=field)
    if missing := [
        i for i in group_ids if i not in groups or not user_can(actor, groups[i], "view")
    ]:
        raise DomainError(f"Unknown group id(s): {missing[:20]}.", field="target_group_ids")
    allowed_via_group: set[int] = set()
    for group in groups.values():
        members = (
            Host.objects.filter(groups__in=descendant_group_ids(group.pk))
            .select_related("account")
            .distinct()
        )
        can_group = user_can(actor, group, action)
        for host in members:
            hosts.setdefault(host.pk, host)
            if can_group:
                allowed_via_group.add(host.pk)
    if denied := [
        h.name
        for h in hosts.values()
        if h.pk not in allowed_via_group and not user_can(actor, h, action)
    ]:
        raise NotAllowed(f"You may not run jobs on: {', '.join(denied[:20])}.", field=field)
    if not hosts:
        raise DomainError("Choose at least one target host or group.", field=field)
    if len(hosts) > MAX_TARGETS:
        raise DomainError(f"At most {MAX_TARGETS} target hosts.", field=field)
    return sorted(hosts.values(), key=lambda h: h.name)


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
