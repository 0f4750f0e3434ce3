"""A small arithmetic captcha, rendered as SVG (switchable with feature.captcha)."""

from __future__ import annotations

import secrets
from html import escape

from django.core.cache import cache

_TTL_SECONDS = 300


def new_captcha() -> dict[str, str]:
    left, right = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    key = secrets.token_urlsafe(16)
    cache.set(f"captcha:{key}", str(left + right), _TTL_SECONDS)
    return {"key": key, "image": _svg(f"{left} + {right} = ?")}


def check_captcha(key: str, answer: str) -> bool:
    expected = cache.get(f"captcha:{key}") if key else None
    if key:
        cache.delete(f"captcha:{key}")
    return expected is not None and secrets.compare_digest(expected, answer.strip())


def _svg(text: str) -> str:
    noise = "".join(
        f'<line x1="{secrets.randbelow(120)}" y1="{secrets.randbelow(40)}" '
        f'x2="{secrets.randbelow(120)}" y2="{secrets.randbelow(40)}" stroke="#999"/>'
        for _ in range(4)
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40">'
        f'<rect width="120" height="40" fill="#f2f3f5"/>{noise}'
        f'<text x="12" y="27" font-size="20" font-family="monospace">{escape(text)}</text></svg>'
    )
