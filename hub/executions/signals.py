"""What the engine tells the rest of the hub: "this execution finished".

The engine publishes and knows no subscriber; schedules (follow-up runs, retries,
notifications) and the dashboard (its cache version) connect in their AppConfig.ready().
Receivers run after the final state is committed and never break the engine: an error is
logged, the reconcile task of schedules catches up on what a receiver missed.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.dispatch import Signal

logger = logging.getLogger(__name__)

# sent with: execution_id (int), status (str)
execution_finished = Signal()


def publish_finished(execution_id: int, status: str) -> None:
    """Sends execution_finished once the surrounding transaction (if any) committed."""

    def send() -> None:
        for receiver, outcome in execution_finished.send_robust(
            sender=None, execution_id=execution_id, status=status
        ):
            if isinstance(outcome, Exception):
                logger.error(
                    "execution_finished receiver %r failed for execution %s",
                    receiver,
                    execution_id,
                    exc_info=outcome,
                )

    transaction.on_commit(send)
