"""Notifications about runs of schedules and plans: webhook (signed JSON) or email.

Rules are matched when a run ends (see services.follow_up_execution); each matching rule
is delivered by a Celery task after commit, and every attempt is recorded as a
NotificationDelivery with its outcome. Webhook bodies are signed: the header
`X-OpsJob-Signature: sha256=<hex>` is HMAC-SHA256 of the exact body bytes with the
rule's secret, so receivers verify with `hmac.compare_digest`.

Webhooks go out through hub.core.outbound (checked destination, pinned address, redirects
re-checked). A failed delivery records one of two texts, "Refused by policy: <category>."
or FAILED: never which error or status answered, which would let a rule's owner probe
ports. The HTTP status is kept in `response_code` for administrators (the API hides it from
others); network and mail-server errors go to this module's log only.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import logging
import time
from typing import Any

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from hub.audit.choices import AuditAction
from hub.audit.services import record_audit_event
from hub.core import outbound
from hub.executions.choices import ExecutionStatus
from hub.executions.models import Execution
from hub.schedules.choices import Channel, DeliveryStatus, NotifyOn
from hub.schedules.models import NotificationDelivery, NotificationRule, ScheduleRun
from hub.system.services import get_setting

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-OpsJob-Signature"
TEST_EVENT = "test"
FAILED = "Delivery failed: no 2xx response."
MAIL_FAILED = "Delivery failed: the mail server did not accept the message."


class NotDelivered(Exception):
    """A delivery that got an answer, but not a 2xx one (code kept for administrators)."""

    def __init__(self, code: int | None, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def outcome_of(status: str) -> str:
    return NotifyOn.SUCCESS if status == ExecutionStatus.SUCCESS else NotifyOn.FAILURE


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def queue_notifications(*, execution: Execution | None, run: ScheduleRun | None) -> int:
    """Enqueues (after commit) one delivery per enabled rule matching the outcome."""
    from hub.schedules.tasks import deliver_notification_task

    status = run.status if run is not None else (execution.status if execution else "")
    event = outcome_of(status)
    target = Q(pk__in=[])
    if run is not None:
        target |= Q(schedule_id=run.schedule_id)
    if execution is not None and execution.plan_id:
        target |= Q(plan_id=execution.plan_id)
    rule_ids = list(
        NotificationRule.objects.filter(
            target, enabled=True, notify_on__in=[event, NotifyOn.ALWAYS]
        ).values_list("pk", flat=True)
    )
    execution_id = execution.pk if execution else None
    run_id = run.pk if run else None

    def enqueue(rule_id: int) -> None:
        deliver_notification_task.delay(rule_id, event, execution_id, run_id)

    for rule_id in rule_ids:
        transaction.on_commit(functools.partial(enqueue, rule_id))
    return len(rule_ids)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def build_payload(
    *, rule: NotificationRule, event: str, execution: Execution | None, run: ScheduleRun | None
) -> dict[str, Any]:
    schedule = run.schedule if run is not None else rule.schedule
    plan = execution.plan if execution is not None and execution.plan_id else rule.plan
    return {
        "event": event,
        "rule": {"id": rule.pk, "name": rule.name},
        "schedule": {"id": schedule.pk, "name": schedule.name} if schedule else None,
        "plan": {"id": plan.pk, "name": plan.name} if plan else None,
        "run": None
        if run is None
        else {
            "id": run.pk,
            "trigger": run.trigger,
            "attempt": run.attempt,
            "status": run.status,
            "message": run.message,
        },
        "execution": None
        if execution is None
        else {
            "id": execution.pk,
            "name": execution.name,
            "kind": execution.kind,
            "status": execution.status,
            "started_at": _iso(execution.started_at),
            "finished_at": _iso(execution.finished_at),
            "summary": execution.summary,
            "error": execution.error[:1000],
            "url": f"/executions/{execution.pk}",
        },
        "sent_at": timezone.now().isoformat(),
    }


def _send_webhook(rule: NotificationRule, payload: dict[str, Any]) -> int:
    body = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "OPS-Job-Notifier/1",
        "X-OpsJob-Event": payload["event"],
    }
    if rule.webhook_secret:
        headers[SIGNATURE_HEADER] = sign(rule.webhook_secret, body)
    try:
        reply = outbound.send_http(
            rule.webhook_url,
            method="POST",
            body=body,
            headers=headers,
            timeout=get_setting("notifications.webhook_timeout_seconds"),
        )
    except outbound.OutboundFailed as exc:
        raise NotDelivered(None, exc.detail) from exc
    if not 200 <= reply.status < 300:
        raise NotDelivered(reply.status, f"HTTP {reply.status} from {reply.url}")
    return reply.status


def _send_email(rule: NotificationRule, payload: dict[str, Any]) -> None:
    execution = payload["execution"] or {}
    about = (payload["schedule"] or payload["plan"] or {}).get("name", "")
    subject = f"[OPS Job] {payload['event']}: {about} {execution.get('status', '')}".strip()
    send_mail(
        subject,
        json.dumps(payload, indent=2, ensure_ascii=False),
        get_setting("notifications.email_from"),
        list(rule.email_to),
    )


def deliver_notification(
    *,
    rule: NotificationRule,
    event: str,
    execution: Execution | None = None,
    run: ScheduleRun | None = None,
    is_test: bool = False,
) -> NotificationDelivery:
    """Sends once and records the attempt: sent, refused by policy, or failed (generic)."""
    payload = build_payload(rule=rule, event=event, execution=execution, run=run)
    started = time.monotonic()
    code, error = _attempt(rule, payload)
    with transaction.atomic():
        return NotificationDelivery.objects.create(
            rule=rule,
            execution=execution,
            schedule_run=run,
            event=event,
            is_test=is_test,
            status=DeliveryStatus.FAILED if error else DeliveryStatus.SENT,
            response_code=code,
            error=error,
            duration_ms=int((time.monotonic() - started) * 1000),
        )


def _attempt(rule: NotificationRule, payload: dict[str, Any]) -> tuple[int | None, str]:
    """(response code, public error text); the detail of a failure is logged only."""
    try:
        if rule.channel == Channel.WEBHOOK:
            return _send_webhook(rule, payload), ""
        _send_email(rule, payload)
        return None, ""
    except outbound.OutboundRefused as exc:
        logger.warning("notification rule %s refused: %s", rule.pk, exc.category)
        return None, exc.message
    except NotDelivered as exc:
        logger.warning("notification rule %s not delivered: %s", rule.pk, exc.detail)
        return exc.code, FAILED
    except Exception as exc:
        logger.warning("notification rule %s failed: %s: %s", rule.pk, type(exc).__name__, exc)
        return None, FAILED if rule.channel == Channel.WEBHOOK else MAIL_FAILED


def send_test_notification(*, actor: Any, rule: NotificationRule) -> NotificationDelivery:
    delivery = deliver_notification(rule=rule, event=TEST_EVENT, is_test=True)
    with transaction.atomic():
        record_audit_event(
            actor=actor,
            action=AuditAction.EXECUTE,
            obj=rule,
            detail={
                "test_send": delivery.pk,
                "status": delivery.status,
                "error": delivery.error,
            },
        )
    return delivery
