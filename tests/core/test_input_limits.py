"""Hostile input (too many fields, huge or deep bodies, NUL, lone surrogates, out-of-range
numbers, broken multipart) is answered with a 4xx envelope naming the field, never a 500."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client

from tests.factories import HostFactory
from tests.helpers import err

pytestmark = pytest.mark.django_db


def _form(fields: int) -> str:
    return urlencode([(f"f{i}", "x") for i in range(fields)])


def test_too_many_form_fields_is_400(api: Any) -> None:
    response = api.post(
        "/api/hosts/", data=_form(1500), content_type="application/x-www-form-urlencoded"
    )
    err(response, 400, "body")


def test_too_many_form_fields_on_anonymous_login_is_400() -> None:
    response = Client().post(
        "/api/auth/login/", data=_form(1500), content_type="application/x-www-form-urlencoded"
    )
    err(response, 400, "body")


def test_too_many_query_parameters_is_400(api: Any) -> None:
    err(api.get("/api/hosts/?" + _form(1500)), 400, "query")


def test_body_over_the_limit_is_413(api: Any, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = '{"name": "' + "x" * 2000 + '"}'
    err(api.post("/api/hosts/", data=body, content_type="application/json"), 413, "body")


def test_form_body_over_the_limit_is_413_on_anonymous_login(settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = Client().post(
        "/api/auth/login/",
        data="username=" + "x" * 2000,
        content_type="application/x-www-form-urlencoded",
    )
    err(response, 413, "body")


def test_deeply_nested_json_is_400(api: Any) -> None:
    body = "[" * 5000 + "]" * 5000
    err(api.post("/api/hosts/", data=body, content_type="application/json"), 400, "body")
    nested = '{"name": "h", "labels": ' + '{"a": ' * 1200 + "1" + "}" * 1200 + "}"
    err(api.post("/api/hosts/", data=nested, content_type="application/json"), 400, "body")


@pytest.mark.parametrize("bad", ["\x00", "\ud800"])
def test_nul_or_lone_surrogate_in_host_labels_is_400(api: Any, bad: str) -> None:
    body = json.dumps({"name": "web-1", "ip_address": "10.0.0.1", "labels": {"env": f"a{bad}"}})
    response = api.post("/api/hosts/", data=body, content_type="application/json")
    errors = err(response, 400, "labels")
    assert list(errors["labels"]) == ["env"]
    assert response.json()["message"].startswith("labels.env: ")


@pytest.mark.parametrize("bad", ["\x00", "\ud800"])
def test_nul_or_lone_surrogate_in_label_key_is_400(api: Any, bad: str) -> None:
    body = json.dumps({"name": "web-1", "ip_address": "10.0.0.1", "labels": {f"e{bad}": "a"}})
    response = api.post("/api/hosts/", data=body, content_type="application/json")
    err(response, 400, "labels")


@pytest.mark.parametrize("bad", ["\x00", "\ud800"])
def test_nul_or_lone_surrogate_in_quick_script_parameters_is_400(api: Any, bad: str) -> None:
    host = HostFactory(created_by=api.handler._force_user)
    body = json.dumps(
        {"script_content": "echo $X", "target_host_ids": [host.pk], "parameters": {"X": f"v{bad}"}}
    )
    response = api.post("/api/quick/execute_script/", data=body, content_type="application/json")
    assert err(response, 400, "parameters")["parameters"]["X"]
    assert response.json()["message"].startswith("parameters.X: ")


def test_integer_beyond_64_bits_in_json_is_400(api: Any) -> None:
    body = '{"name": "web-1", "ip_address": "10.0.0.1", "port": 99999999999999999999999}'
    response = api.post("/api/hosts/", data=body, content_type="application/json")
    err(response, 400, "port")


def test_nul_in_query_string_is_400(api: Any) -> None:
    err(api.get("/api/hosts/?search=a%00b"), 400, "search")


def test_nul_in_form_field_is_400(api: Any) -> None:
    response = api.post(
        "/api/hosts/", data="name=a%00b", content_type="application/x-www-form-urlencoded"
    )
    err(response, 400, "name")


@pytest.mark.parametrize("value", ["-2.7e223", "1e400", "99999999999999999999999"])
def test_out_of_range_number_filter_is_400(api: Any, value: str) -> None:
    err(api.get(f"/api/hosts/groups/?parent={value}"), 400, "parent")


def test_in_range_number_filter_still_works(api: Any) -> None:
    response = api.get("/api/hosts/groups/?parent=5")
    assert response.status_code == 200


def test_malformed_multipart_is_400_envelope(api: Any) -> None:
    response = api.post(
        "/api/quick/transfer_file/",
        data=b"--nope\r\nContent-Disposition: form-data\r\n\r\nbroken",
        content_type="multipart/form-data; boundary=abc",
    )
    err(response, 400)
    assert response["Content-Type"].startswith("application/json")


def test_multipart_without_boundary_is_400_envelope(api: Any) -> None:
    response = api.post(
        "/api/quick/transfer_file/", data=b"x=1", content_type="multipart/form-data"
    )
    err(response, 400, "body")


def test_daphne_hands_a_malformed_multipart_body_to_django() -> None:
    """twisted.web used to answer it with a bare 400 (no body, no content type) itself."""
    from daphne.http_protocol import WebRequest
    from twisted.web import http
    from twisted.web.test.requesthelper import DummyChannel

    import hub.asgi  # noqa: F401 - what daphne imports: it stops twisted parsing forms

    class Channel(DummyChannel):  # type: ignore[misc]
        rejected = False

        def _respondToBadRequestAndDisconnect(self) -> None:
            self.rejected = True

    class Request(WebRequest):  # type: ignore[misc]
        processed = False

        def __init__(self, channel: Channel) -> None:
            http.Request.__init__(self, channel)

        def process(self) -> None:
            self.processed = True

    channel = Channel()
    request = Request(channel)
    body = b"--abc--\r\n"
    request.requestHeaders.setRawHeaders(b"content-type", [b"multipart/form-data; boundary=abc"])
    request.gotLength(len(body))
    request.handleContentChunk(body)
    request.requestReceived(b"POST", b"/api/auth/login/", b"HTTP/1.1")
    assert not channel.rejected and request.processed


def test_id_beyond_64_bits_in_a_form_is_400(api: Any) -> None:
    response = api.post(
        "/api/hosts/test_connection/",
        data="host_ids=309868423952903831552&wait=0",
        content_type="application/x-www-form-urlencoded",
    )
    err(response, 400, "host_ids")
