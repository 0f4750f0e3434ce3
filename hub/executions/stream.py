"""The only place that names Redis keys of executions: event streams, control, liveness.

Every event of an execution is an entry of the stream `hub:exec:{id}:events` with id
`<seq>-0`, appended by one Lua script (shared with the hub.ops plugins) that takes seq
from `hub:exec:{id}:seq`, so seq is gapless across all writers and a reader resumes
from any seq. The database copy is filled by the consumer group `db`.
"""

from __future__ import annotations

import functools
import time
from pathlib import Path
from typing import Any

import redis
import redis.asyncio as aioredis
from django.conf import settings

LUA_PATH = (
    Path(settings.PLAYBOOKS_DIR)
    / "ansible_collections"
    / "hub"
    / "ops"
    / "plugins"
    / "module_utils"
    / "append_event.lua"
)
DB_GROUP = "db"
DB_BATCH = 1000  # entries the database writer takes per read
ACTIVE_SET = "hub:exec:active"
ALIVE_SECONDS = 20  # a run's liveness key; its worker refreshes it every ALIVE_REFRESH
ALIVE_REFRESH = 5.0
# redis-py 8 defaults to 5 s; blocking reads wait up to a few seconds on a loaded machine.
SOCKET_TIMEOUT = 30.0


def stream_key(execution_id: int) -> str:
    return f"hub:exec:{execution_id}:events"


def seq_key(execution_id: int) -> str:
    return f"hub:exec:{execution_id}:seq"


def control_key(execution_id: int) -> str:
    return f"hub:exec:{execution_id}:control"


def alive_key(execution_id: int) -> str:
    return f"hub:exec:{execution_id}:alive"


def recovery_key(execution_id: int) -> str:
    return f"hub:exec:{execution_id}:recovery"


@functools.cache
def client() -> redis.Redis:
    return redis.Redis.from_url(
        settings.REDIS_URL,
        decode_responses=True,
        health_check_interval=30,
        socket_timeout=SOCKET_TIMEOUT,
    )


def async_client() -> aioredis.Redis:
    return aioredis.Redis.from_url(
        settings.REDIS_URL, decode_responses=True, socket_timeout=SOCKET_TIMEOUT
    )


@functools.cache
def _append_script() -> Any:
    return client().register_script(LUA_PATH.read_text())


def plugin_environment(execution_id: int) -> dict[str, str]:
    """What the hub.ops plugins inside ansible-playbook need to publish and obey control."""
    return {
        "HUB_REDIS_URL": settings.REDIS_URL,
        "HUB_EVENT_STREAM": stream_key(execution_id),
        "HUB_EVENT_SEQ": seq_key(execution_id),
        "HUB_EVENT_MAXLEN": str(settings.EVENT_STREAM_MAXLEN),
        "HUB_CONTROL_KEY": control_key(execution_id),
    }


def _flatten(fields: dict[str, Any]) -> list[str]:
    flat: list[str] = []
    for key, value in fields.items():
        if value is None:
            continue
        flat.extend((key, value if isinstance(value, str) else str(value)))
    return flat


def append_event(execution_id: int, fields: dict[str, Any]) -> int:
    """Appends one event; returns its seq."""
    keys = [stream_key(execution_id), seq_key(execution_id)]
    args = [str(settings.EVENT_STREAM_MAXLEN), *_flatten({"ts": time.time(), **fields})]
    return int(_append_script()(keys=keys, args=args))


def reset(execution_id: int) -> None:
    """Forgets any stream left under this id (ids repeat after a database reset)."""
    client().delete(stream_key(execution_id), seq_key(execution_id))


def mark_active(execution_id: int) -> None:
    pipe = client().pipeline()
    pipe.sadd(ACTIVE_SET, execution_id)
    pipe.set(alive_key(execution_id), "1", ex=ALIVE_SECONDS)
    try:
        pipe.xgroup_create(stream_key(execution_id), DB_GROUP, id="0", mkstream=True)
        pipe.execute()
    except redis.ResponseError as exc:  # BUSYGROUP: the group exists after a restart
        if "BUSYGROUP" not in str(exc):
            raise


def keep_alive(execution_id: int) -> None:
    client().set(alive_key(execution_id), "1", ex=ALIVE_SECONDS)


def is_alive(execution_id: int) -> bool:
    return bool(client().exists(alive_key(execution_id)))


def restarted_within(seconds: float) -> bool:
    """Redis itself came up less than `seconds` ago (its keys' expiry went on meanwhile)."""
    return int(client().info("server").get("uptime_in_seconds", 0)) < seconds


def active_executions() -> list[int]:
    return sorted(int(x) for x in client().smembers(ACTIVE_SET))


def claim_recovery(execution_id: int, seconds: int = 300) -> bool:
    """True for the one recovery task that may finalize this lost run (beat can overlap)."""
    return bool(client().set(recovery_key(execution_id), "1", nx=True, ex=seconds))


def release_recovery(execution_id: int) -> None:
    client().delete(recovery_key(execution_id))


_SEQ_FLOOR = """local c = tonumber(redis.call('GET', KEYS[1]) or '0')
if c < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) end
return 0"""


def prepare_final_append(execution_id: int, stored_seq: int) -> None:
    """Before the `end` event: after a Redis restart the seq counter and the database group
    are gone; a seq below what the database holds would collide and be dropped."""
    client().eval(_SEQ_FLOOR, 1, seq_key(execution_id), str(stored_seq))
    ensure_db_group(execution_id)


def ensure_db_group(execution_id: int) -> None:
    """The database writers' group (gone with the stream when Redis restarted)."""
    try:
        client().xgroup_create(stream_key(execution_id), DB_GROUP, id="0", mkstream=True)
    except redis.ResponseError as exc:  # BUSYGROUP: the usual case
        if "BUSYGROUP" not in str(exc):
            raise


def retire(execution_id: int) -> None:
    """The run is over and archived: keep the stream for late readers, then let it expire."""
    ttl = settings.EVENT_STREAM_TTL_SECONDS
    pipe = client().pipeline()
    pipe.srem(ACTIVE_SET, execution_id)
    for key in (stream_key(execution_id), seq_key(execution_id), control_key(execution_id)):
        pipe.expire(key, ttl)
    pipe.delete(alive_key(execution_id))
    pipe.execute()


def set_control(execution_id: int, value: str) -> None:
    if value:
        client().set(control_key(execution_id), value, ex=settings.EVENT_STREAM_TTL_SECONDS)
    else:
        client().delete(control_key(execution_id))


def get_control(execution_id: int) -> str:
    return str(client().get(control_key(execution_id)) or "")


def _decode(entries: Any) -> list[dict[str, str]]:
    """Stream entries (decoded replies: (id, {field: value})) as dicts carrying their id."""
    return [{**fields, "_id": entry_id} for entry_id, fields in entries]


def _first_stream(reply: Any) -> list[dict[str, str]]:
    """Entries of the single stream an XREAD/XREADGROUP reply holds."""
    return _decode(reply[0][1]) if reply else []


def read_for_db(
    execution_id: int,
    consumer: str,
    *,
    count: int = DB_BATCH,
    block_ms: int = 200,
    pending: bool = False,
) -> list[dict[str, str]]:
    """Next entries for the database writer (its own pending ones first when `pending`)."""
    start = "0" if pending else ">"
    reply = client().xreadgroup(
        DB_GROUP,
        consumer,
        {stream_key(execution_id): start},
        count=count,
        block=None if pending else block_ms,
    )
    return _first_stream(reply)


def claim_stale(
    execution_id: int, consumer: str, *, idle_ms: int = 10_000, count: int = DB_BATCH
) -> list[dict[str, str]]:
    """Entries another (dead) writer read but never acknowledged."""
    try:
        _next, entries, *_ = client().xautoclaim(
            stream_key(execution_id),
            DB_GROUP,
            consumer,
            min_idle_time=idle_ms,
            start_id="0-0",
            count=count,
        )
    except redis.ResponseError:
        return []
    return _decode([e for e in entries if e])


def ack(execution_id: int, entry_ids: list[str]) -> None:
    if entry_ids:
        client().xack(stream_key(execution_id), DB_GROUP, *entry_ids)


def last_seq(execution_id: int) -> int:
    return int(client().get(seq_key(execution_id)) or 0)


async def read_after(
    redis_async: aioredis.Redis,
    execution_id: int,
    after_seq: int,
    *,
    block_ms: int,
    count: int = 500,
) -> list[dict[str, str]]:
    """Entries with seq > after_seq, waiting up to block_ms for new ones."""
    reply = await redis_async.xread(
        {stream_key(execution_id): f"{after_seq}-0"}, count=count, block=block_ms
    )
    return _first_stream(reply)


async def first_seq(redis_async: aioredis.Redis, execution_id: int) -> int | None:
    """Oldest seq still in the stream (older ones were trimmed), None when it is empty."""
    entries: Any = await redis_async.xrange(stream_key(execution_id), count=1)
    return int(str(entries[0][0]).split("-")[0]) if entries else None


async def last_entry(redis_async: aioredis.Redis, execution_id: int) -> dict[str, str] | None:
    """The newest entry of the stream (the `end` event once the run is over), None if empty."""
    entries: Any = await redis_async.xrevrange(stream_key(execution_id), count=1)
    return _decode(entries)[0] if entries else None
