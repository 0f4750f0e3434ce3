"""Template and plan lists and details take a fixed number of queries however many
templates, plans, steps, variables and targets there are (as a member granted them)."""

from __future__ import annotations

from typing import Any

import pytest

from hub.core.permissions import grant
from hub.jobs.models import JobStep, PlanStep, TemplateVariable
from tests.factories import ExecutionPlanFactory, HostFactory, JobTemplateFactory, make_script
from tests.helpers import ok
from tests.querycount import assert_flat, pin_settings_cache

pytestmark = pytest.mark.django_db
TEMPLATES = "/api/templates/"
PLANS = "/api/templates/plans/"


@pytest.fixture(autouse=True)
def _pinned_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    pin_settings_cache(monkeypatch)


def add_steps(template: Any, owner: Any, count: int) -> list[JobStep]:
    """`count` more steps: a library script step and inline ones, each with its own host."""
    script = make_script(owner)
    start = template.steps.count()
    steps = []
    for n in range(start, start + count):
        step = JobStep.objects.create(
            template=template,
            order=n + 1,
            name=f"step {n}",
            script=script if n % 2 else None,
            script_content="" if n % 2 else "uptime\n",
            use_template_targets=False,
        )
        step.target_hosts.add(HostFactory(created_by=owner))
        TemplateVariable.objects.create(template=template, name=f"v{n}", value=str(n))
        steps.append(step)
    return steps


def add_plan_steps(plan: Any, steps: list[JobStep]) -> None:
    start = plan.steps.count()
    for n, step in enumerate(steps, start=start + 1):
        PlanStep.objects.create(plan=plan, step=step, step_name=step.name, order=n)


def templates_for(owner: Any, member: Any, count: int) -> None:
    for _ in range(count):
        template_for(owner, member)


def plans_for(owner: Any, member: Any, count: int) -> None:
    for _ in range(count):
        plan_for(owner, member)


def template_for(owner: Any, member: Any, steps: int = 2) -> Any:
    template = JobTemplateFactory(created_by=owner)
    add_steps(template, owner, steps)
    grant(member, template, ["view"])
    return template


def plan_for(owner: Any, member: Any) -> Any:
    template = template_for(owner, member)
    plan = ExecutionPlanFactory(created_by=owner, template=template)
    add_plan_steps(plan, list(template.steps.all()))
    grant(member, plan, ["view"])
    return plan


def test_template_list_queries_do_not_grow_with_templates(
    client_for: Any, owner: Any, member: Any, django_assert_max_num_queries: Any
) -> None:
    client = client_for(member)
    templates_for(owner, member, 3)
    assert_flat(
        client,
        TEMPLATES,
        lambda: templates_for(owner, member, 27),
        at_most=10,
        assert_max=django_assert_max_num_queries,
        params={"page_size": 50},
    )
    assert ok(client.get(TEMPLATES, {"page_size": 50}))["count"] == 30


def test_template_detail_queries_do_not_grow_with_steps_and_variables(
    client_for: Any, owner: Any, member: Any, django_assert_max_num_queries: Any
) -> None:
    template = template_for(owner, member, steps=3)

    def more_steps() -> None:
        add_steps(template, owner, 27)

    assert_flat(
        client_for(member),
        f"{TEMPLATES}{template.pk}/",
        more_steps,
        at_most=11,
        assert_max=django_assert_max_num_queries,
    )
    assert len(ok(client_for(member).get(f"{TEMPLATES}{template.pk}/"))["steps"]) == 30


def test_plan_list_queries_do_not_grow_with_plans(
    client_for: Any, owner: Any, member: Any, django_assert_max_num_queries: Any
) -> None:
    client = client_for(member)
    plans_for(owner, member, 3)
    assert_flat(
        client,
        PLANS,
        lambda: plans_for(owner, member, 27),
        at_most=7,
        assert_max=django_assert_max_num_queries,
        params={"page_size": 50},
    )
    assert ok(client.get(PLANS, {"page_size": 50}))["count"] == 30


def test_plan_detail_queries_do_not_grow_with_its_steps(
    client_for: Any, owner: Any, member: Any, django_assert_max_num_queries: Any
) -> None:
    plan = plan_for(owner, member)

    def more_steps() -> None:
        add_plan_steps(plan, add_steps(plan.template, owner, 28))

    assert_flat(
        client_for(member),
        f"{PLANS}{plan.pk}/",
        more_steps,
        at_most=8,
        assert_max=django_assert_max_num_queries,
    )
    assert len(ok(client_for(member).get(f"{PLANS}{plan.pk}/"))["steps"]) == 30
