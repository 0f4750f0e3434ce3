"""An image captcha (switchable with feature.captcha): random characters drawn as a PNG.

The answer never leaves the server: it sits in the cache under a random key for a few
minutes and the first check consumes it, right or wrong.
"""

from __future__ import annotations

import base64
import secrets

from captcha.image import ImageCaptcha
from django.core.cache import cache

_TTL_SECONDS = 300
_LENGTH = 5
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I/L: people misread them


def new_captcha() -> dict[str, str]:
    answer = "".join(secrets.choice(_ALPHABET) for _ in range(_LENGTH))
    key = secrets.token_urlsafe(16)
    cache.set(_cache_key(key), answer, _TTL_SECONDS)
    png = ImageCaptcha(width=160, height=60).generate(answer).getvalue()
    return {"key": key, "image": "data:image/png;base64," + base64.b64encode(png).decode()}


def check_captcha(key: str, answer: str) -> bool:
    if not key:
        return False
    expected = cache.get(_cache_key(key))
    # DELETE reports whether it removed the key, so of two racing checks only one wins.
    consumed = cache.delete(_cache_key(key))
    if not consumed or expected is None:
        return False
    return secrets.compare_digest(expected.encode(), answer.strip().upper().encode())


def _cache_key(key: str) -> str:
    return f"captcha:{key}"
