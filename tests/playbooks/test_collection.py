"""The hub.ops collection as content: lint, docs, and the plugins' pure parts."""

from __future__ import annotations

import random
import subprocess
import sys
import threading

import pytest
import redis

from tests.playbooks.helpers import COLLECTION, PLAYBOOKS, VENV_BIN, ansible_env

if str(PLAYBOOKS) not in sys.path:
    sys.path.insert(0, str(PLAYBOOKS))

from ansible_collections.hub.ops.plugins.action import live_script
from ansible_collections.hub.ops.plugins.module_utils.hub_events import HubEvents


def test_ansible_lint_passes() -> None:
    # --project-dir keeps ansible-lint from creating a .ansible cache dir in the repository
    lint = subprocess.run(
        [str(VENV_BIN / "ansible-lint"), "--offline", "--project-dir", "."],
        cwd=COLLECTION,
        env=ansible_env(),
        capture_output=True,
        text=True,
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr


@pytest.mark.parametrize(
    "args",
    [["hub.ops.live_script"], ["hub.ops.live_script_stop"], ["-t", "callback", "hub.ops.gate"]],
    ids=["module", "stop module", "gate"],
)
def test_ansible_doc_renders(args: list[str]) -> None:
    doc = subprocess.run(
        [str(VENV_BIN / "ansible-doc"), *args],
        env=ansible_env(),
        capture_output=True,
        text=True,
    )
    assert doc.returncode == 0 and "ERROR" not in doc.stderr, doc.stderr
    assert args[-1] in doc.stdout


SECRETS = ["hunter2", "hunter22-long", "pa$$w0rd"]


def test_masker_hides_secrets_however_the_text_is_chunked() -> None:
    rng = random.Random(7)
    text = "".join(rng.choice(["x", "hunt", "er", "\n", *SECRETS, "pa$", "é"]) for _ in range(3000))
    expected = live_script._Masker(SECRETS).mask(text)
    for _ in range(50):
        masker = live_script._Masker(SECRETS)
        cuts = sorted(rng.sample(range(1, len(text)), 200))
        pieces = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]
        out = [masker.feed(p) for p in pieces] + [masker.flush()]
        assert "".join(out) == expected
        assert not any(s in chunk for chunk in out for s in SECRETS)


def test_masker_releases_text_that_cannot_start_a_secret() -> None:
    masker = live_script._Masker(["topsecret"])
    assert masker.feed("line1\n") == "line1\n"  # nothing held: no secret starts with "\n"
    assert masker.feed("a top") == "a "
    assert masker.feed("secret!") == "******!"


def test_frame_parser_takes_payload_bytes_by_count() -> None:
    marker = b"\n@HUB-LS-abc@\n"
    payload = b"R -\nEND\n" + marker + b"\xff\n"
    raw = (
        b"motd noise\n" + marker + b"P 42 /tmp/x y\nR 3\n"
        b"O 0 %d %d\n" % (len(payload), len(payload) + 5) + payload + b"\n"
        b"E 7 0 7\n\nC\nEND\n"
    )
    frame = live_script._parse_frame(raw, marker)
    assert frame.pgid == 42 and frame.tmpdir == "/tmp/x y" and frame.rc == 3
    assert frame.chunks == {"O": (0, payload), "E": (7, b"")}
    assert frame.more and frame.cleaned


def test_result_tail_keeps_the_last_mebibyte() -> None:
    tail = live_script._Tail()
    for _ in range(5):
        tail.add("a" * 700_000)
    text = tail.text()
    assert text.startswith(f"[... {3_500_000 - 1024 * 1024} bytes truncated ...]\n")
    assert len(text.split("\n", 1)[1]) == 1024 * 1024


def test_lua_sequence_is_gapless_across_concurrent_writers(private_redis, rds) -> None:
    env = {
        "HUB_REDIS_URL": private_redis.url,
        "HUB_EVENT_STREAM": "lua:test",
        "HUB_EVENT_MAXLEN": "50",
    }

    def write() -> None:
        events = HubEvents.from_env(environ=env)
        assert events is not None
        for i in range(100):
            assert events.publish(kind="output", text=str(i)) is not None

    threads = [threading.Thread(target=write) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert rds.get("lua:test:seq") == "400"
    ids = [int(entry_id.split("-")[0]) for entry_id, _ in rds.xrange("lua:test")]
    assert ids == list(range(ids[0], 401)) and len(ids) < 400  # trimmed, still contiguous


def test_publishing_to_a_dead_redis_warns_once_and_goes_on() -> None:
    warnings: list[str] = []
    env = {
        "HUB_REDIS_URL": "unix:///nonexistent/redis.sock",
        "HUB_EVENT_STREAM": "s",
        "HUB_CONTROL_KEY": "c",
    }
    events = HubEvents.from_env(warn=warnings.append, environ=env)
    assert events is not None
    assert events.publish(kind="output", text="x") == 0  # kept for when Redis answers
    assert events.waiting == 1
    assert events.control() == ""
    assert len(warnings) == 1 and "nonexistent" in warnings[0]
    assert events.flush(timeout=0.2) is False and events.waiting == 0  # the task can end
    with pytest.raises(redis.ConnectionError):
        redis.Redis.from_url(env["HUB_REDIS_URL"]).ping()


def test_events_published_while_redis_is_away_arrive_in_order(private_redis, rds) -> None:
    env = {"HUB_REDIS_URL": private_redis.url, "HUB_EVENT_STREAM": "away:test"}
    events = HubEvents.from_env(environ=env)
    assert events is not None
    assert events.publish(kind="output", text="0") == 1
    private_redis.kill()
    assert [events.publish(kind="output", text=str(i)) for i in (1, 2, 3)] == [0, 0, 0]
    assert events.waiting == 3
    private_redis.start_again()  # empty: a crash without persistence
    assert events.flush(timeout=10) is True
    assert events.publish(kind="output", text="4") == 4
    assert [e[1]["text"] for e in rds.xrange("away:test")] == ["1", "2", "3", "4"]
