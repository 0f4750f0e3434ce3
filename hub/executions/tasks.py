"""Celery entry points of the execution engine (thin: load, call one service)."""

from __future__ import annotations

from celery import shared_task

from hub.executions import engine


@shared_task(name="executions.run", acks_late=True)
def run_execution_task(execution_id: int) -> str:
    return engine.run_execution(execution_id)


@shared_task(name="executions.recover")
def recover_lost_executions_task() -> list[int]:
    return engine.recover_lost_executions()
