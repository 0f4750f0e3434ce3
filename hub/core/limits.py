"""Input limits every API request meets once, before any serializer sees it.

Text that the databases cannot store (NUL, lone UTF-16 surrogates), numbers no column can
hold, bodies nested deeper than any real document and query strings with too many fields
are answered with a 4xx envelope naming the field, instead of failing deep in the ORM.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import TooManyFieldsSent
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django_filters import utils as filter_utils
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions, parsers

from hub.core.envelope import envelope

if TYPE_CHECKING:
    from rest_framework.views import APIView

MAX_DEPTH = 64
INT_MIN, INT_MAX = -(2**63), 2**63 - 1
ID_MAX = INT_MAX  # the largest primary key any backend stores
NUL = "Null characters are not allowed."
SURROGATE = "Text must be valid Unicode (no lone surrogates)."
TOO_DEEP = f"The body is nested deeper than {MAX_DEPTH} levels."
OUT_OF_RANGE = f"Ensure this number is finite and between {INT_MIN} and {INT_MAX}."


def text_problem(text: str) -> str | None:
    if "\x00" in text:
        return NUL
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return SURROGATE
    return None


def _number_problem(value: Any) -> str | None:
    """Non-finite numbers, and integers no 64-bit column can compare against (SQLite raises
    OverflowError). A large finite float is fine: integer fields refuse it themselves."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    if isinstance(value, float | Decimal) and not math.isfinite(value):
        return OUT_OF_RANGE
    if isinstance(value, float):
        return None
    return None if INT_MIN <= value <= INT_MAX else OUT_OF_RANGE


Path = tuple[str | int, ...]


def _children(path: Path, value: Any) -> Iterator[tuple[Path, Any]]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield (*path, str(key)), item
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield (*path, index), item


def find_problem(data: Any) -> tuple[Path, str] | None:
    """(field path, message) for the first unstorable value in parsed input, else None."""
    stack: list[tuple[Path, Any]] = [((), data)]
    while stack:
        path, value = stack.pop()
        if len(path) > MAX_DEPTH:
            return (), TOO_DEEP
        problem = text_problem(value) if isinstance(value, str) else _number_problem(value)
        if problem:
            return path, problem
        if isinstance(value, Mapping):
            for key in value:
                if isinstance(key, str) and (problem := text_problem(key)):
                    return path, f"Key {key!r}: {problem}"
        stack.extend(_children(path, value))
    return None


def reject_unstorable(data: Any) -> None:
    """A 400 whose errors nest like DRF's own ({"labels": {"env": [...]}}), so the
    message reads "labels.env: ..." and the top-level key is the serializer field."""
    found = find_problem(data)
    if found:
        path, message = found
        errors: Any = [message]
        for part in reversed(path or ("body",)):
            errors = {part: errors}
        raise exceptions.ValidationError(errors)


def _plain(form: Any) -> dict[str, Any]:
    """A QueryDict as {name: value} (or {name: [values]}), so errors name the form field."""
    return {key: values[0] if len(values) == 1 else values for key, values in form.lists()}


class JSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise exceptions.ParseError(TOO_DEEP) from exc
        reject_unstorable(data)
        return data


class FormParser(parsers.FormParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        reject_unstorable(_plain(data))
        return data


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        parsed = super().parse(stream, media_type, parser_context)
        reject_unstorable(_plain(parsed.data))
        names = [getattr(upload, "name", "") for upload in parsed.files.values()]
        reject_unstorable([name for name in names if name])
        return parsed


class BoundedFilterBackend(DjangoFilterBackend):
    """django-filter, plus a 400 for numbers no database column can compare against."""

    def filter_queryset(self, request: Any, queryset: QuerySet, view: APIView) -> QuerySet:
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid() and self.raise_exception:
            raise filter_utils.translate_validation(filterset.errors)
        for name, value in filterset.form.cleaned_data.items():
            values = [value.start, value.stop] if isinstance(value, slice) else [value]
            if isinstance(value, list | tuple):
                values = list(value)
            if any(_number_problem(v) for v in values):
                raise exceptions.ValidationError({name: [OUT_OF_RANGE]})
        return filterset.qs


def _error(status: int, field: str, message: str) -> JsonResponse:
    body = envelope({"errors": {field: [message]}}, code=status, message=f"{field}: {message}")
    return JsonResponse(body, status=status)


def _query_problem(request: HttpRequest) -> JsonResponse | None:
    try:
        query = request.GET
    except TooManyFieldsSent as exc:
        return _error(400, "query", str(exc))
    for key, values in query.lists():
        for text in (key, *values):
            if problem := text_problem(text):
                return _error(400, key if text_problem(key) is None else "query", problem)
    return None


def _body_too_big(request: HttpRequest) -> bool:
    """Multipart file parts have their own limit; every other body counts whole."""
    if request.content_type == "multipart/form-data":
        return False
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return limit is not None and length > limit


class InputLimitsMiddleware:
    """Query strings, paths and body sizes under /api/, checked before any view runs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith("/api/"):
            if problem := text_problem(request.path_info):
                return _error(400, "path", problem)
            if _body_too_big(request):
                limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
                return _error(413, "body", f"The body is larger than {limit} bytes.")
            if rejected := _query_problem(request):
                return rejected
        return self.get_response(request)


def leave_bodies_to_django() -> None:
    """Stops twisted.web (under daphne) from parsing POST forms itself.

    daphne never reads twisted's parsed `args`, yet twisted parses every form body a second
    time with no field limit and answers a multipart body it cannot parse with a bare 400
    (no body, no content type) before Django and its limits ever see the request.
    """
    try:
        from daphne.http_protocol import WebRequest
    except ImportError:  # not running under daphne
        return
    original = WebRequest.requestReceived
    if getattr(original, "leaves_bodies_to_django", False):
        return

    def request_received(self: Any, command: bytes, path: bytes, version: bytes) -> None:
        self._parsePOSTFormSubmission = False
        original(self, command, path, version)

    request_received.leaves_bodies_to_django = True  # type: ignore[attr-defined]
    WebRequest.requestReceived = request_received
