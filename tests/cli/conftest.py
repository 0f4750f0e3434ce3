"""A live hub (`hub up`: daphne, Celery worker, beat, Redis) with two sshd hosts, and a way
to run the installed `opsjob` command against it as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.live_hub import LiveHub
from tests.support.sshd import SshdFleet

pytestmark = pytest.mark.integration
OPSJOB = Path(sys.executable).parent / "opsjob"


@dataclass
class Live:
    hub: LiveHub
    hosts: dict[str, int]  # host name -> id
    api_token: str  # a personal API token (scope execute) of the administrator


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    with (
        SshdFleet(2, tmp_path_factory.mktemp("cli-sshd")) as fleet,
        LiveHub(tmp_path_factory.mktemp("cli-hub")) as hub,
    ):
        hosts = hub.add_fleet(fleet)
        token = hub.api("/api/auth/tokens/", {"name": "cli tests", "scope": "execute"})["token"]
        yield Live(hub, hosts, token)


@pytest.fixture
def opsjob(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Runs `opsjob ARGS` with a private HOME; `env` adds variables (OPSJOB_URL, ...)."""
    if not OPSJOB.exists():
        pytest.fail(f"{OPSJOB} is missing: `uv sync` installs the opsjob entry point")
    home = tmp_path / "home"
    home.mkdir()

    def run(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> Any:
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("OPSJOB_", "XDG_"))}
        return subprocess.run(
            [str(OPSJOB), *args],
            env={**clean, "HOME": str(home), **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    run.home = home  # type: ignore[attr-defined]
    return run
