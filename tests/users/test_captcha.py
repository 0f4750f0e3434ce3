"""The login captcha: a PNG whose answer stays on the server and works once."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.helpers import err, ok

pytestmark = pytest.mark.django_db


@pytest.fixture
def captcha_on(admin: Any, client_for: Any) -> None:
    ok(client_for(admin).patch("/api/system/feature.captcha/", {"value": True}, format="json"))


def login(client: APIClient, key: str = "", value: str = "") -> Any:
    body = {"username": "owner", "password": "correct horse battery"}
    return client.post(
        "/api/auth/login/", {**body, "captcha_key": key, "captcha_value": value}, format="json"
    )


def answer_for(key: str) -> str:
    answer = cache.get(f"captcha:{key}")
    assert isinstance(answer, str) and len(answer) >= 4
    return answer


def test_captcha_is_a_png_without_its_answer(owner: Any, captcha_on: None) -> None:
    response = APIClient().get("/api/auth/captcha/")
    captcha = ok(response)
    prefix = "data:image/png;base64,"
    assert captcha["enabled"] and captcha["image"].startswith(prefix)
    png = base64.b64decode(captcha["image"].removeprefix(prefix))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    answer = answer_for(captcha["key"])
    assert answer.encode() not in png and answer.lower().encode() not in png
    assert answer not in response.content.decode() and answer not in json.dumps(captcha)


def test_login_needs_the_captcha_when_enabled(owner: Any, captcha_on: None) -> None:
    client = APIClient()
    err(login(client), 401, "captcha_value")
    captcha = ok(client.get("/api/auth/captcha/"))
    answer = answer_for(captcha["key"])
    assert ok(login(client, captcha["key"], answer.lower()))["user"]["username"] == "owner"


def test_wrong_captcha_answer_is_refused_and_burns_the_captcha(
    owner: Any, captcha_on: None
) -> None:
    client = APIClient()
    captcha = ok(client.get("/api/auth/captcha/"))
    answer = answer_for(captcha["key"])
    err(login(client, captcha["key"], answer[::-1] + "X"), 401, "captcha_value")
    err(login(client, captcha["key"], answer), 401, "captcha_value")


def test_captcha_answer_works_once(owner: Any, captcha_on: None) -> None:
    client = APIClient()
    captcha = ok(client.get("/api/auth/captcha/"))
    answer = answer_for(captcha["key"])
    ok(login(client, captcha["key"], answer))
    err(login(client, captcha["key"], answer), 401, "captcha_value")


def test_captcha_off_by_default() -> None:
    assert ok(APIClient().get("/api/auth/captcha/")) == {"enabled": False}
