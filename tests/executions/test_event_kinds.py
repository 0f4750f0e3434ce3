"""One set of event kinds: what every emitter sends, what the API documents, the UI handles."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from hub.executions.choices import EventKind
from hub.executions.realtime.feed import stored_events
from tests.executions.test_feed import finished_run

ROOT = Path(__file__).resolve().parents[2]
PLUGINS = ROOT / "playbooks" / "ansible_collections" / "hub" / "ops" / "plugins"


def _published_kinds(path: Path) -> set[str]:
    """Constant `kind=` arguments of publish(...)/_publish(...) calls in a plugin file."""
    kinds = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") in (
            "publish",
            "_publish",
        ):
            for keyword in node.keywords:
                if keyword.arg == "kind":
                    assert isinstance(keyword.value, ast.Constant), (path, ast.dump(node))
                    kinds.add(keyword.value.value)
    return kinds


def test_the_hub_ops_plugins_emit_only_known_kinds() -> None:
    found = {p.name: _published_kinds(p) for p in PLUGINS.rglob("*.py")}
    emitted = set().union(*found.values())
    assert {"output", "remote_start", "log", "paused", "resumed"} <= emitted, found
    assert emitted <= set(EventKind.values), emitted - set(EventKind.values)


def test_the_ui_handles_every_kind() -> None:
    source = (ROOT / "frontend" / "src" / "lib" / "logBuffer.ts").read_text()
    handled = {kind for kind in EventKind.values if f"case '{kind}'" in source}
    assert handled == set(EventKind.values), set(EventKind.values) - handled
    assert "case 'task_start'" not in source and "case 'step_end'" not in source  # never sent


def test_the_schema_documents_the_live_event_and_its_kinds() -> None:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    kind = components["LiveEvent"]["properties"]["kind"]["$ref"].rsplit("/", 1)[-1]
    assert set(components[kind]["enum"]) == set(EventKind.values)
    path = "/api/executor/execution-records/{id}/events/"
    assert path in schema["paths"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("stream_kept", [True, False])
def test_the_events_endpoint_pages_to_the_end(
    owner: Any, client_for: Any, stream_kept: bool
) -> None:
    execution, last = finished_run(owner, stream_kept=stream_kept)
    client = client_for(owner)
    seen: list[dict[str, Any]] = []
    since, complete = 0, False
    while not complete:
        url = f"/api/executor/execution-records/{execution.pk}/events/?since={since}&limit=2"
        page = client.get(url).json()["content"]
        seen += page["events"]
        since, complete = page["next_since"], page["complete"]
        assert len(seen) <= last
    assert [e["seq"] for e in seen] == list(range(1, last + 1))
    assert seen == stored_events(execution.pk, 0)
    assert seen[-1]["kind"] == "end" and seen[-1]["summary"] == execution.summary
    assert {e["kind"] for e in seen} <= set(EventKind.values)
    past = client.get(f"/api/executor/execution-records/{execution.pk}/events/?since={last}")
    assert past.json()["content"] == {"events": [], "next_since": last, "complete": True}
    bad = client.get(f"/api/executor/execution-records/{execution.pk}/events/?since=-1")
    assert bad.status_code == 400 and "since" in str(bad.json())


@pytest.mark.django_db
def test_someone_without_view_gets_404(outsider: Any, owner: Any, client_for: Any) -> None:
    from tests.executions.test_ingest import running_execution

    execution = running_execution(owner)
    got = client_for(outsider).get(f"/api/executor/execution-records/{execution.pk}/events/")
    assert got.status_code == 404


def test_executions_import_nothing_from_schedules_or_dashboard() -> None:
    offenders = []
    for path in (ROOT / "hub" / "executions").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            offenders += [
                f"{path.relative_to(ROOT)}: {n}"
                for n in names
                if n.startswith(("hub.schedules", "hub.dashboard"))
            ]
    assert offenders == []


@pytest.mark.django_db
def test_a_launch_records_the_celery_task_id_it_queues(
    api: Any, owner: Any, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from hub.executions import tasks
    from hub.executions.models import Execution
    from tests.factories import AccountFactory, HostFactory

    queued: list[tuple[Any, str]] = []
    monkeypatch.setattr(
        tasks.run_execution_task,
        "apply_async",
        lambda args, task_id: queued.append((args, task_id)),
    )
    host = HostFactory(created_by=owner, account=AccountFactory(created_by=owner))
    with django_capture_on_commit_callbacks(execute=True):
        reply = api.post(
            "/api/quick/execute_script/",
            {"script_content": "echo hi", "target_host_ids": [host.pk]},
            format="json",
        )
    assert reply.status_code == 201, reply.json()
    execution = Execution.objects.get(pk=reply.json()["content"]["execution_id"])
    assert len(execution.task_id) == 32 and queued == [((execution.pk,), execution.task_id)]
