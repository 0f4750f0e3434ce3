"""Dashboard endpoints: figures for a date range, the trend alone, live health; each as
the requesting user may see it (selectors.Scope, health.system_health)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from hub.dashboard import selectors
from hub.dashboard.api.serializers import (
    HealthSerializer,
    RangeQuerySerializer,
    StatsSerializer,
    TrendPointSerializer,
)
from hub.dashboard.health import system_health
from hub.dashboard.selectors import Scope
from hub.dashboard.services import figures


def _range(request: Request) -> dict[str, Any]:
    query = RangeQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data


class StatsView(APIView):
    """Counts, per-day trend, top failures and recent items, of what the user may view."""

    @extend_schema(parameters=[RangeQuerySerializer], responses=StatsSerializer)
    def get(self, request: Request) -> Response:
        span = _range(request)
        scope = Scope.of(request.user)
        stats = figures("stats", span["start"], span["end"], span["tz"], scope=scope)
        return Response(
            {
                **stats.value,
                "cached": stats.hit,
                "stale": stats.stale,
                "computed_at": stats.computed_at,
                "recent": selectors.recent_for(scope),
                "range": {"start": span["start"], "end": span["end"], "tz": span["tz"].key},
            }
        )


class TrendView(APIView):
    @extend_schema(parameters=[RangeQuerySerializer], responses=TrendPointSerializer(many=True))
    def get(self, request: Request) -> Response:
        span = _range(request)
        scope = Scope.of(request.user)
        return Response(figures("trend", span["start"], span["end"], span["tz"], scope=scope).value)


class HealthView(APIView):
    @extend_schema(responses=HealthSerializer)
    def get(self, request: Request) -> Response:
        return Response(system_health(details=bool(request.user.is_superuser)))
