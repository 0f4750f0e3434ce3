"""Directory login (LDAP / Active Directory): django-auth-ldap configured by runtime settings.

Local accounts come first: GuardedModelBackend checks the hub password, and only a username
without one (unknown to the hub, or made by an earlier directory login) is looked up in the
directory. So a local administrator signs in while the directory is down, and a directory
entry named like a local account can never sign in as it. The directory is asked with the
`ldap.*` settings (hub/system/registry.py) as they are at that login; each login copies the
user's attributes and staff/superuser flags and syncs the hub groups named in
`ldap.group_mapping` (added and removed; other groups are left alone).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from contextvars import ContextVar
from typing import Any

import ldap
import ldap.dn
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.http import HttpRequest
from django_auth_ldap import config
from django_auth_ldap.backend import LDAPBackend, ldap_error

from hub.audit.choices import AuditAction
from hub.audit.services import record_audit_event
from hub.system.services import get_setting

# setting value -> (django-auth-ldap group type, the filter that finds such groups)
GROUP_TYPES: dict[str, tuple[type, str]] = {
    "groupOfNames": (config.GroupOfNamesType, "(objectClass=groupOfNames)"),
    "nestedGroupOfNames": (config.NestedGroupOfNamesType, "(objectClass=groupOfNames)"),
    "groupOfUniqueNames": (config.GroupOfUniqueNamesType, "(objectClass=groupOfUniqueNames)"),
    "posixGroup": (config.PosixGroupType, "(objectClass=posixGroup)"),
    "activeDirectory": (config.ActiveDirectoryGroupType, "(objectClass=group)"),
    "nestedActiveDirectory": (config.NestedActiveDirectoryGroupType, "(objectClass=group)"),
}
_UNREACHABLE = (ldap.SERVER_DOWN, ldap.TIMEOUT, ldap.CONNECT_ERROR)
# Why the directory could not answer during this login ("" when it did or was not asked).
_failure: ContextVar[str] = ContextVar("directory_failure", default="")


class _Unusable(Exception):
    """The directory cannot be asked with the settings as they are (the message says why)."""


def authenticate_with_directory(
    request: HttpRequest | None, *, username: str, password: str
) -> User | None:
    """The hub user the directory vouches for, else None.

    None when directory login is off, the name is a local account, the user is unknown or
    inactive, the password is wrong, or the directory cannot be asked: then
    directory_failure() says why.
    """
    _failure.set("")
    if not get_setting("ldap.enabled") or not password or _is_local_account(username):
        return None
    try:
        user = HubLDAPBackend().authenticate(request, username=username, password=password)
    except _Unusable as exc:
        _failure.set(str(exc))
        return None
    except ldap.LDAPError as exc:  # from the group sync; the backend traps its own
        _failure.set(_explain(exc))
        return None
    return user if user is not None and user.is_active else None


def directory_failure() -> str:
    """Why the last authenticate_with_directory() of this request could not ask ("" if none)."""
    return _failure.get()


def _is_local_account(username: str) -> bool:
    user = User.objects.filter(username__iexact=username).first()
    return user is not None and user.has_usable_password()


class HubLDAPBackend(LDAPBackend):  # type: ignore[misc]  # django-auth-ldap is untyped
    """LDAPBackend configured by the runtime settings; syncs mapped hub groups at login.

    Its settings are built once per instance, and each login makes its own instance.
    """

    _settings: Any = None

    @property
    def settings(self) -> Any:
        if self._settings is None:
            self._settings = directory_settings()
        return self._settings

    @settings.setter
    def settings(self, value: Any) -> None:
        self._settings = value

    def get_or_build_user(self, username: str, ldap_user: Any) -> tuple[User, bool]:
        user, built = super().get_or_build_user(username, ldap_user)
        if not built and user.has_usable_password():
            raise ldap_user.AuthenticationFailed("a local account has this username")
        return user, built

    def authenticate_ldap_user(self, ldap_user: Any, password: str) -> User | None:
        user: User | None = super().authenticate_ldap_user(ldap_user, password)
        if user is not None and self.settings.GROUP_SEARCH is not None:
            sync_directory_groups(user=user, group_dns=ldap_user.group_dns, mapping=group_mapping())
        return user


def directory_settings() -> config.LDAPSettings:
    """django-auth-ldap's settings from the runtime `ldap.*` settings."""
    uri, base = get_setting("ldap.server_uri"), get_setting("ldap.user_search_base")
    if not uri or not base:
        raise _Unusable(
            "Directory login is on but not configured: set ldap.server_uri and "
            "ldap.user_search_base."
        )
    timeout = get_setting("ldap.timeout_seconds")
    values = {
        "SERVER_URI": uri,
        "START_TLS": get_setting("ldap.start_tls"),
        "BIND_DN": get_setting("ldap.bind_dn"),
        "BIND_PASSWORD": _bind_password(),
        "USER_SEARCH": config.LDAPSearch(
            base, ldap.SCOPE_SUBTREE, get_setting("ldap.user_search_filter")
        ),
        "USER_ATTR_MAP": {
            field: attr
            for field in ("first_name", "last_name", "email")
            if (attr := get_setting(f"ldap.attr_{field}"))
        },
        # No referral chasing (AD answers searches of the domain root with referrals).
        "CONNECTION_OPTIONS": {
            ldap.OPT_REFERRALS: 0,
            ldap.OPT_NETWORK_TIMEOUT: timeout,
            ldap.OPT_TIMEOUT: timeout,
        },
        "ALWAYS_UPDATE_USER": True,
        **_group_settings(),
    }
    # A prefix no Django setting has, so AUTH_LDAP_* in the environment cannot mix in.
    return config.LDAPSettings(prefix="OPSJOB_LDAP_", defaults=values)


def _bind_password() -> str:
    try:
        return str(get_setting("ldap.bind_password"))
    except ValueError as exc:
        raise _Unusable(
            "ldap.bind_password cannot be decrypted (SECRET_KEY changed?): set it again."
        ) from exc


def _group_settings() -> dict[str, Any]:
    base = get_setting("ldap.group_search_base")
    if not base:
        return {}
    group_type, group_filter = GROUP_TYPES[get_setting("ldap.group_type")]
    flag_settings = (("is_staff", "ldap.staff_group"), ("is_superuser", "ldap.superuser_group"))
    flags = {flag: dn for flag, key in flag_settings if (dn := get_setting(key))}
    return {
        "GROUP_SEARCH": config.LDAPSearch(base, ldap.SCOPE_SUBTREE, group_filter),
        "GROUP_TYPE": group_type(),
        "USER_FLAGS_BY_GROUP": flags,
    }


def group_mapping() -> dict[str, list[str]]:
    """`ldap.group_mapping` with normalised DNs as keys and lists of hub group names."""
    raw: dict[str, str | list[str]] = json.loads(get_setting("ldap.group_mapping") or "{}")
    return {
        normalize_dn(dn): [names] if isinstance(names, str) else list(names)
        for dn, names in raw.items()
    }


def normalize_dn(dn: str) -> str:
    """One spelling per DN: lower case, no spaces around separators."""
    try:
        return str(ldap.dn.dn2str(ldap.dn.str2dn(dn.lower())))
    except ldap.DECODING_ERROR:
        return dn.lower().strip()


def sync_directory_groups(
    *, user: User, group_dns: Iterable[str], mapping: dict[str, list[str]]
) -> None:
    """Puts the user in exactly the mapped hub groups their directory groups map to.

    Only groups named in the mapping are added or removed; the change is audited.
    """
    member_of = {normalize_dn(dn) for dn in group_dns}
    managed = {name for names in mapping.values() for name in names}
    wanted = {name for dn, names in mapping.items() if dn in member_of for name in names}
    with transaction.atomic():
        current = set(user.groups.filter(name__in=managed).values_list("name", flat=True))
        added, removed = sorted(wanted - current), sorted(current - wanted)
        if not added and not removed:
            return
        user.groups.add(*(Group.objects.get_or_create(name=name)[0] for name in added))
        user.groups.remove(*Group.objects.filter(name__in=removed))
        record_audit_event(
            actor=user,
            action=AuditAction.SYNC,
            obj=user,
            changes={"groups": {"added": added, "removed": removed}},
            detail={"source": "directory"},
        )


def _explain(exc: ldap.LDAPError) -> str:
    """A message for the login form; names settings, never values."""
    if isinstance(exc, _UNREACHABLE):
        return (
            "The directory server cannot be reached: directory accounts cannot sign in now "
            "(local accounts can)."
        )
    if isinstance(exc, ldap.INVALID_CREDENTIALS):
        return (
            "The directory refused the hub's service account: check ldap.bind_dn and "
            "ldap.bind_password."
        )
    if isinstance(exc, ldap.NO_SUCH_OBJECT):
        return (
            "The directory has no such search base, or the service account may not read it: "
            "check ldap.user_search_base, ldap.group_search_base and ldap.bind_dn."
        )
    info = exc.args[0] if exc.args and isinstance(exc.args[0], dict) else {}
    return (
        f"The directory refused the hub's request ({info.get('desc', type(exc).__name__)}): "
        "check the ldap.* settings."
    )


def _remember_error(sender: type, context: str, exception: ldap.LDAPError, **kwargs: Any) -> None:
    _failure.set(_explain(exception))


# django-auth-ldap traps LDAP errors (and logs them without credentials) and signals them.
ldap_error.connect(_remember_error, sender=HubLDAPBackend, dispatch_uid="hub-directory-error")
