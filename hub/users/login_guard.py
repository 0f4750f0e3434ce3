"""Growing login delays, counted per account (any address) and per address (any username).

The counters live in Django's cache (Redis), so every web process sees the same state. Once
a subject has `limit` failures (LOGIN_FAILURE_LIMIT for an account, LOGIN_ADDRESS_FAILURE_LIMIT
for an address), the next attempt is evaluated only when

    2 ** (failures - limit) seconds, capped at LOGIN_MAX_DELAY_SECONDS,

have passed since its last failure; earlier attempts are refused without checking the
password and without counting. Nothing locks for good: after the wait the right password
works, and it clears the account's counter. The address counter is not cleared by a success
(else one known account would reset a spray over many usernames); counters are forgotten a
day after their last failure.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

FORGET_AFTER_SECONDS = 24 * 3600
_MAX_EXPONENT = 30  # 2**30 s is past any sane cap; keeps the power small


def now() -> float:
    """The guard's clock (tests move it instead of sleeping)."""
    return time.time()


@dataclass(frozen=True)
class Subject:
    """One thing failures are counted against: an account or a client address."""

    kind: str
    key: str
    limit: int

    @property
    def count_key(self) -> str:
        return f"login-guard:{self.kind}:{self.key}:failures"

    @property
    def last_key(self) -> str:
        return f"login-guard:{self.kind}:{self.key}:last"


@dataclass(frozen=True)
class Failure:
    """What one failed login left behind: counters and the wait it now imposes."""

    account_failures: int
    address_failures: int
    delay_seconds: int


def delay_for(failures: int, limit: int) -> int:
    if failures < limit:
        return 0
    return int(min(2 ** min(failures - limit, _MAX_EXPONENT), settings.LOGIN_MAX_DELAY_SECONDS))


def seconds_until_allowed(*, username: str, address: str | None) -> int:
    """0 when an attempt may be evaluated now, else the whole seconds left to wait."""
    return max((_wait(subject) for subject in _subjects(username, address)), default=0)


def record_login_failure(*, username: str, address: str | None) -> Failure:
    account, *by_address = (_count_failure(s) for s in _subjects(username, address))
    address_failures = by_address[0] if by_address else 0
    delay = max(
        delay_for(account, settings.LOGIN_FAILURE_LIMIT),
        delay_for(address_failures, settings.LOGIN_ADDRESS_FAILURE_LIMIT),
    )
    return Failure(account, address_failures, delay)


def clear_account_failures(*, username: str) -> None:
    subject = _account(username)
    cache.delete_many([subject.count_key, subject.last_key])


def _account(username: str) -> Subject:
    # casefold: a case-insensitive database collation would let "Admin" log in as "admin".
    digest = hashlib.sha256(username.casefold().encode()).hexdigest()[:32]
    return Subject("account", digest, settings.LOGIN_FAILURE_LIMIT)


def _subjects(username: str, address: str | None) -> list[Subject]:
    subjects = [_account(username)]
    if address:
        subjects.append(
            Subject("address", _address_key(address), settings.LOGIN_ADDRESS_FAILURE_LIMIT)
        )
    return subjects


def _address_key(address: str) -> str:
    """An IPv4 address, or the /64 of an IPv6 one (one host usually holds a whole /64)."""
    parsed = ipaddress.ip_address(address)
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False).network_address)
    return str(parsed)


def _wait(subject: Subject) -> int:
    values = cache.get_many([subject.count_key, subject.last_key])
    delay = delay_for(int(values.get(subject.count_key, 0)), subject.limit)
    if not delay:
        return 0
    elapsed = now() - float(values.get(subject.last_key, 0.0))
    return max(0, math.ceil(delay - elapsed))


def _count_failure(subject: Subject) -> int:
    """Atomic across processes: Redis INCR on a key created with ADD."""
    cache.add(subject.count_key, 0, FORGET_AFTER_SECONDS)
    try:
        failures = int(cache.incr(subject.count_key))
    except ValueError:  # expired between add and incr
        cache.set(subject.count_key, 1, FORGET_AFTER_SECONDS)
        failures = 1
    cache.touch(subject.count_key, FORGET_AFTER_SECONDS)
    cache.set(subject.last_key, now(), FORGET_AFTER_SECONDS)
    return failures
