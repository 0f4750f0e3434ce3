"""Dashboard endpoints: figures for a date range (cached), the trend alone, live health."""

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
from hub.dashboard.cache import cached
from hub.dashboard.health import system_health


def _range(request: Request) -> dict[str, Any]:
    query = RangeQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data


def _range_key(span: dict[str, Any]) -> str:
    return f"{span['start']}:{span['end']}:{span['tz'].key}"


class StatsView(APIView):
    """Counts, per-day trend, top failures (cached, shared) and the user's recent items."""

    @extend_schema(parameters=[RangeQuerySerializer], responses=StatsSerializer)
    def get(self, request: Request) -> Response:
        span = _range(request)
        figures, hit = cached(
            f"stats:{_range_key(span)}",
            lambda: selectors.dashboard_figures(span["start"], span["end"], span["tz"]),
        )
        return Response(
            {
                **figures,
                "cached": hit,
                "recent": selectors.recent_for(request.user),
                "range": {"start": span["start"], "end": span["end"], "tz": span["tz"].key},
            }
        )


class TrendView(APIView):
    @extend_schema(parameters=[RangeQuerySerializer], responses=TrendPointSerializer(many=True))
    def get(self, request: Request) -> Response:
        span = _range(request)
        trend, _hit = cached(
            f"trend:{_range_key(span)}",
            lambda: selectors.execution_trend(span["start"], span["end"], span["tz"]),
        )
        return Response(trend)


class HealthView(APIView):
    @extend_schema(responses=HealthSerializer)
    def get(self, request: Request) -> Response:
        return Response(system_health())
