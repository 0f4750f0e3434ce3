"""/metrics: who may read it, and series that follow what really happens."""

from __future__ import annotations

from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from rest_framework.test import APIClient

from hub.executions import stream
from hub.executions.models import Execution, HostResult
from hub.system.services import update_setting
from hub.users import token_services

pytestmark = pytest.mark.django_db


def token_of(user: Any, scope: str = "read") -> str:
    return token_services.create_api_token(actor=user, name="prometheus", scope=scope)[1]


def scrape(client: APIClient | None = None, **headers: Any) -> Any:
    return (client or APIClient()).get("/metrics", **headers)


def value(text: str, name: str, **labels: str) -> float | None:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
    return None


@pytest.fixture
def staff_token(owner: Any) -> str:
    owner.is_staff = True
    owner.save(update_fields=["is_staff"])
    return token_of(owner)


def test_without_credentials_it_is_401_in_plain_text() -> None:
    response = scrape()
    assert response.status_code == 401
    assert response["Content-Type"].startswith("text/plain")
    assert response["WWW-Authenticate"] == "Token"
    assert b"opsjob_" not in response.content


def test_a_bad_token_is_401_and_a_non_staff_token_403(member: Any) -> None:
    assert scrape(HTTP_AUTHORIZATION="Token opsj_nonsense").status_code == 401
    response = scrape(HTTP_AUTHORIZATION=f"Token {token_of(member)}")
    assert response.status_code == 403 and b"staff" in response.content


def test_a_staff_read_token_reads_the_series(staff_token: str) -> None:
    response = scrape(HTTP_AUTHORIZATION=f"Token {staff_token}")
    assert response.status_code == 200, response.content
    text = response.content.decode()
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    for name in (
        "opsjob_executions",
        "opsjob_executions_running",
        "opsjob_executions_waiting",
        "opsjob_host_results",
        "opsjob_celery_queue_length",
        "opsjob_celery_workers",
        "opsjob_event_ingest_lag_events",
        "opsjob_event_stream_entries",
        "opsjob_collector_up",
    ):
        assert f"\n{name}" in text, name
    assert value(text, "opsjob_collector_up", part="executions") == 1


def test_a_revoked_token_no_longer_reads(staff_token: str, owner: Any) -> None:
    token = owner.api_tokens.get()
    token_services.revoke_api_token(actor=owner, token=token)
    assert scrape(HTTP_AUTHORIZATION=f"Token {staff_token}").status_code == 401


def test_execution_rows_move_the_gauges(staff_token: str, owner: Any) -> None:
    auth = {"HTTP_AUTHORIZATION": f"Token {staff_token}"}
    before = scrape(**auth).content.decode()
    pending = dict(status="pending", kind="quick_script")
    assert value(before, "opsjob_executions", **pending) == 0
    assert value(before, "opsjob_executions_waiting") == 0

    Execution.objects.create(name="a", kind="quick_script", created_by=owner)
    running = Execution.objects.create(name="b", kind="plan", status="running")
    step = running.steps.create(index=0, name="s", step_type="script")
    HostResult.objects.create(execution=running, step=step, host_name="h1", status="failed")

    after = scrape(**auth).content.decode()
    assert value(after, "opsjob_executions", **pending) == 1
    assert value(after, "opsjob_executions", status="running", kind="plan") == 1
    assert value(after, "opsjob_executions_waiting") == 1
    assert value(after, "opsjob_executions_running") == 1
    assert value(after, "opsjob_host_results", status="failed") == 1


def test_ingest_lag_counts_events_not_yet_in_the_database(staff_token: str) -> None:
    execution = Execution.objects.create(name="live", kind="plan", status="running")
    stream.reset(execution.pk)
    stream.mark_active(execution.pk)
    try:
        for n in range(5):
            stream.append_event(execution.pk, {"kind": "stdout", "text": f"line {n}"})
        Execution.objects.filter(pk=execution.pk).update(last_seq=2)
        text = scrape(HTTP_AUTHORIZATION=f"Token {staff_token}").content.decode()
        assert value(text, "opsjob_event_ingest_lag_events") == 3
        assert value(text, "opsjob_event_stream_entries") == 5
        assert value(text, "opsjob_event_streams_active") == 1
    finally:
        stream.retire(execution.pk)
        stream.reset(execution.pk)


def test_queue_length_reads_the_broker(staff_token: str, monkeypatch: Any) -> None:
    from hub.metrics import collector

    queue = "metrics-test-queue"
    monkeypatch.setattr(collector, "queue_names", lambda: [queue])
    broker = collector._broker()
    assert broker is not None
    broker.delete(queue, f"{queue}\x06\x169")
    try:
        broker.lpush(queue, "m1", "m2")
        broker.lpush(f"{queue}\x06\x169", "m3")
        text = scrape(HTTP_AUTHORIZATION=f"Token {staff_token}").content.decode()
        assert value(text, "opsjob_celery_queue_length", queue=queue) == 3
    finally:
        broker.delete(queue, f"{queue}\x06\x169")


def test_queue_names_come_from_celery_routes() -> None:
    from hub.metrics.collector import queue_names

    assert {"celery", "executions"} <= set(queue_names())


def test_allow_listed_network_reads_without_token() -> None:
    update_setting(actor=None, key="metrics.allow_networks", value="10.9.0.0/16")
    assert scrape(REMOTE_ADDR="10.9.3.4").status_code == 200
    assert scrape(REMOTE_ADDR="10.8.3.4").status_code == 401


def test_forwarded_for_is_believed_only_from_trusted_proxies(settings: Any) -> None:
    update_setting(actor=None, key="metrics.allow_networks", value="10.9.0.0/16")
    spoofed = {"REMOTE_ADDR": "192.0.2.7", "HTTP_X_FORWARDED_FOR": "10.9.3.4"}
    assert scrape(**spoofed).status_code == 401
    settings.HUB_TRUSTED_PROXIES = ["192.0.2.0/24"]
    assert scrape(**spoofed).status_code == 200


def test_staff_login_reads_and_other_logins_do_not(admin: Any, member: Any) -> None:
    client = APIClient()
    client.force_login(admin)
    assert scrape(client).status_code == 200
    client.force_login(member)
    assert scrape(client).status_code == 403


def test_requests_are_counted_by_route_name(staff_token: str, owner: Any) -> None:
    auth = {"HTTP_AUTHORIZATION": f"Token {staff_token}"}
    labels = dict(method="GET", route="auth-me", status="200")
    before = value(scrape(**auth).content.decode(), "opsjob_http_requests_total", **labels) or 0
    APIClient().get("/api/auth/me/", **auth)
    APIClient().get("/api/auth/me/", **auth)
    text = scrape(**auth).content.decode()
    assert value(text, "opsjob_http_requests_total", **labels) == before + 2
    count = value(text, "opsjob_http_request_duration_seconds_count", method="GET", route="auth-me")
    assert count is not None and count >= 2


def test_post_is_not_allowed(staff_token: str) -> None:
    response = APIClient().post("/metrics", HTTP_AUTHORIZATION=f"Token {staff_token}")
    assert response.status_code == 405
