"""Every way a launch is refused: each raise path of the launch services in
hub/executions/services.py (and the target resolution they share), through the API a user
calls, with the status and the field the error names. Nothing is created when refused."""

from __future__ import annotations

from typing import Any

import pytest

from hub.core.exceptions import NotAllowed
from hub.core.permissions import OBJECT_ACTIONS, grant
from hub.executions import services, targets
from hub.executions.models import Execution, ExecutionStep, HostResult
from hub.jobs.models import JobStep, PlanStep, TemplateVariable
from tests.factories import (
    AccountFactory,
    ExecutionPlanFactory,
    HostFactory,
    HostGroupFactory,
    JobTemplateFactory,
    make_script,
)
from tests.helpers import err, ok

pytestmark = pytest.mark.django_db
QUICK = "/api/quick/execute_script/"
FILES = "/api/quick/transfer_file/"
RECORDS = "/api/executor/execution-records/"
CONNECT = "/api/hosts/test_connection/"
SCRIPT = "echo hi\n"


@pytest.fixture
def host(owner: Any) -> Any:
    return HostFactory(created_by=owner, name="web-1", account=AccountFactory(created_by=owner))


@pytest.fixture
def member_client(client_for: Any, member: Any) -> Any:
    return client_for(member)


def refused(response: Any, status: int, field: str) -> str:
    """The error message for `field`, after checking nothing was launched."""
    errors = err(response, status, field)
    assert Execution.objects.count() == 0
    return str(errors[field][0])


def quick(host: Any, **body: Any) -> dict[str, Any]:
    return {"script_content": SCRIPT, "target_host_ids": [host.pk], **body}


# --- target resolution (resolve_hosts), shared by every launch -------------------------


def test_an_unknown_host_id_is_a_400_naming_it(api: Any, host: Any) -> None:
    message = refused(
        api.post(QUICK, quick(host, target_host_ids=[host.pk, 999999])), 400, "target_host_ids"
    )
    assert "999999" in message and str(host.pk) not in message


def test_a_host_the_launcher_may_not_view_reads_as_unknown(member_client: Any, host: Any) -> None:
    message = refused(member_client.post(QUICK, quick(host)), 400, "target_host_ids")
    assert message == f"Unknown host id(s): [{host.pk}]."


def test_an_unknown_or_invisible_group_is_a_400_on_the_group_field(
    api: Any, member_client: Any, owner: Any, host: Any
) -> None:
    group = HostGroupFactory(created_by=owner)
    body = quick(host, target_group_ids=[group.pk, 999999])
    assert "999999" in refused(api.post(QUICK, body), 400, "target_group_ids")
    grant(type(owner).objects.get(username="member"), host, OBJECT_ACTIONS)
    message = refused(
        member_client.post(QUICK, quick(host, target_group_ids=[group.pk])), 400, "target_group_ids"
    )
    assert str(group.pk) in message


def test_a_viewable_host_without_execute_is_a_403_naming_it(
    member_client: Any, member: Any, owner: Any, host: Any
) -> None:
    other = HostFactory(created_by=owner, name="web-2", account=host.account)
    grant(member, host, ["view", "execute"])
    grant(member, other, ["view"])
    body = quick(host, target_host_ids=[host.pk, other.pk])
    assert refused(member_client.post(QUICK, body), 403, "target_host_ids") == (
        "You may not run jobs on: web-2."
    )


def test_execute_on_a_group_allows_its_hosts_and_subgroups_hosts(
    member_client: Any, member: Any, owner: Any, host: Any
) -> None:
    parent, child = HostGroupFactory(created_by=owner), HostGroupFactory(created_by=owner)
    child.parent = parent
    child.save()
    deep = HostFactory(created_by=owner, name="web-9", account=host.account)
    host.groups.add(parent)
    deep.groups.add(child)
    grant(member, parent, ["view", "execute"])
    grant(member, host.account, ["view", "execute"])
    body = {"script_content": SCRIPT, "target_group_ids": [parent.pk]}
    launched = ok(member_client.post(QUICK, body), 201)
    execution = Execution.objects.get(pk=launched["execution_id"])
    assert [t["name"] for t in execution.targets] == ["web-1", "web-9"]


def test_view_only_on_a_group_does_not_allow_its_hosts(
    member_client: Any, member: Any, owner: Any, host: Any
) -> None:
    group = HostGroupFactory(created_by=owner)
    host.groups.add(group)
    grant(member, group, ["view"])
    body = {"script_content": SCRIPT, "target_group_ids": [group.pk]}
    assert "web-1" in refused(member_client.post(QUICK, body), 403, "target_host_ids")


def test_an_empty_group_is_no_target(api: Any, owner: Any) -> None:
    body = {"script_content": SCRIPT, "target_group_ids": [HostGroupFactory(created_by=owner).pk]}
    assert refused(api.post(QUICK, body), 400, "target_host_ids") == (
        "Choose at least one target host or group."
    )


def test_too_many_targets_is_a_400(
    api: Any, owner: Any, host: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(targets, "MAX_TARGETS", 2)
    more = [HostFactory(created_by=owner, account=host.account) for _ in range(2)]
    body = quick(host, target_host_ids=[host.pk, *(h.pk for h in more)])
    assert refused(api.post(QUICK, body), 400, "target_host_ids") == "At most 2 target hosts."


def test_target_resolution_queries_do_not_grow_with_the_hosts(
    member: Any, owner: Any, django_assert_max_num_queries: Any
) -> None:
    """guardian is asked for all hosts at once, not once per host."""
    from hub.system.services import get_setting

    get_setting("feature.object_permissions")  # settings loaded, as on a running hub
    group = HostGroupFactory(created_by=owner)
    grant(member, group, ["view", "execute"])
    hosts = [HostFactory(created_by=owner) for _ in range(40)]
    for made in hosts:
        grant(member, made, ["view", "execute"])
    hosts[-1].groups.add(group)

    def resolve(count: int) -> list[Any]:
        ids = [h.pk for h in hosts[:count]]
        return targets.resolve_hosts(actor=member, host_ids=ids, group_ids=[group.pk])

    resolve(3)
    with django_assert_max_num_queries(12) as few:
        assert len(resolve(3)) == 4
    with django_assert_max_num_queries(len(few)):
        assert len(resolve(39)) == 40


# --- launch_quick_script ----------------------------------------------------------------


def test_an_account_the_launcher_may_not_execute_with_is_a_403(
    member_client: Any, member: Any, owner: Any, host: Any
) -> None:
    account = AccountFactory(created_by=owner, name="prod-root")
    grant(member, host, ["view", "execute"])
    grant(member, account, ["view"])
    message = refused(
        member_client.post(QUICK, quick(host, account_id=account.pk)), 403, "account_id"
    )
    assert message == "You may not run jobs with account 'prod-root'."


def test_hosts_without_an_account_need_one_given(api: Any, owner: Any) -> None:
    bare = HostFactory(created_by=owner, name="bare-1")
    message = refused(api.post(QUICK, quick(bare)), 400, "account_id")
    assert message.startswith("No execution account for host(s) bare-1")


def test_a_library_script_the_launcher_may_not_execute_is_a_403(
    member_client: Any, member: Any, owner: Any, host: Any
) -> None:
    script = make_script(owner, name="deploy")
    grant(member, host, ["view", "execute"])
    grant(member, script, ["view"])
    body = {"script_template": script.pk, "target_host_ids": [host.pk]}
    assert refused(member_client.post(QUICK, body), 403, "script_template") == (
        "You may not run script 'deploy'."
    )


def test_a_missing_or_offline_script_version_is_a_400(api: Any, owner: Any, host: Any) -> None:
    script = make_script(owner, name="deploy")
    body = {"script_template": script.pk, "target_host_ids": [host.pk]}
    message = refused(api.post(QUICK, {**body, "script_version": 7}), 400, "script_version")
    assert message == "Script 'deploy' has no version 7."
    script.versions.update(status="offline")
    message = refused(api.post(QUICK, body), 400, "script_version")
    assert message == "Version 1 of 'deploy' is offline."


def test_unknown_missing_or_invalid_script_parameters_are_a_400(
    api: Any, owner: Any, host: Any
) -> None:
    script = make_script(
        owner,
        parameters=[
            {"name": "count", "type": "number", "required": True},
            {"name": "msg", "type": "string", "default": "hi"},
        ],
    )
    body = {"script_template": script.pk, "target_host_ids": [host.pk]}
    assert "Unknown parameter(s): ['nope']" in refused(
        api.post(QUICK, {**body, "parameters": {"count": 1, "nope": 1}}, format="json"),
        400,
        "parameters",
    )
    assert "'count' is required" in refused(api.post(QUICK, body), 400, "parameters")
    assert "must be a number" in refused(
        api.post(QUICK, {**body, "parameters": {"count": "many"}}, format="json"),
        400,
        "parameters",
    )


def test_dangerous_content_is_blocked_at_launch(api: Any, host: Any) -> None:
    message = refused(
        api.post(QUICK, quick(host, script_content="rm -rf /\n")), 400, "script_content"
    )
    assert "line 1" in message


# --- launch_file_transfer ---------------------------------------------------------------


def fetch(host: Any, **body: Any) -> dict[str, Any]:
    return {"mode": "fetch", "path": "/etc/hostname", "target_host_ids": [host.pk], **body}


def test_file_transfer_refuses_invisible_and_unexecutable_hosts(
    member_client: Any, member: Any, host: Any
) -> None:
    refused(member_client.post(FILES, fetch(host), format="json"), 400, "target_host_ids")
    grant(member, host, ["view"])
    refused(member_client.post(FILES, fetch(host), format="json"), 403, "target_host_ids")


def test_file_transfer_refuses_an_unexecutable_account_and_hosts_without_one(
    member_client: Any, member: Any, owner: Any, api: Any, host: Any
) -> None:
    account = AccountFactory(created_by=owner)
    grant(member, host, ["view", "execute"])
    grant(member, account, ["view"])
    body = fetch(host, account_id=account.pk)
    refused(member_client.post(FILES, body, format="json"), 403, "account_id")
    bare = HostFactory(created_by=owner, name="bare-2")
    assert "bare-2" in refused(api.post(FILES, fetch(bare), format="json"), 400, "account_id")


# --- launch_plan ------------------------------------------------------------------------


def plan_of(owner: Any, host: Any, **step: Any) -> Any:
    """A plan of a one-step template targeting `host`; `step` overrides the step's fields."""
    template = JobTemplateFactory(created_by=owner)
    template.target_hosts.add(host)
    job_step = JobStep.objects.create(
        template=template, order=1, name="only step", **{"script_content": SCRIPT, **step}
    )
    plan = ExecutionPlanFactory(created_by=owner, template=template)
    PlanStep.objects.create(plan=plan, step=job_step, step_name=job_step.name, order=1)
    return plan


def execute(client: Any, plan: Any, **body: Any) -> Any:
    return client.post(f"/api/templates/plans/{plan.pk}/execute/", body, format="json")


def test_a_plan_the_launcher_may_only_view_is_a_403(
    member_client: Any, member: Any, owner: Any, host: Any
) -> None:
    plan = plan_of(owner, host)
    grant(member, plan, ["view"])
    assert refused(execute(member_client, plan), 403, "non_field_errors") == (
        "You may not run this plan."
    )


def test_unknown_and_missing_required_variables_are_a_400(api: Any, owner: Any, host: Any) -> None:
    plan = plan_of(owner, host)
    TemplateVariable.objects.create(template=plan.template, name="version", required=True)
    message = refused(execute(api, plan, variables={"nope": 1, "version": "2"}), 400, "variables")
    assert message == "Unknown variable(s): ['nope']."
    assert refused(execute(api, plan), 400, "variables") == "Variable 'version' is required."
    ok(execute(api, plan, variables={"version": "2"}), 201)


def test_a_plan_without_steps_is_a_400(api: Any, owner: Any, host: Any) -> None:
    plan = plan_of(owner, host)
    plan.steps.all().delete()
    assert refused(execute(api, plan), 400, "steps") == "The plan selects no steps."


def test_a_plan_whose_step_left_the_template_is_a_409(api: Any, owner: Any, host: Any) -> None:
    plan = plan_of(owner, host)
    JobStep.objects.filter(template=plan.template).delete()
    assert "sync the plan first" in refused(execute(api, plan), 409, "steps")


def test_plan_step_targets_are_checked_per_step(
    member_client: Any, member: Any, owner: Any, host: Any
) -> None:
    plan = plan_of(owner, host)
    grant(member, plan, ["view", "execute"])
    refused(execute(member_client, plan), 400, "steps[1]")  # the host is invisible
    grant(member, host, ["view"])
    assert "web-1" in refused(execute(member_client, plan), 403, "steps[1]")


def test_plan_step_account_is_checked_per_step(
    api: Any, member_client: Any, member: Any, owner: Any, host: Any
) -> None:
    account = AccountFactory(created_by=owner, name="step-account")
    plan = plan_of(owner, host, account=account)
    grant(member, plan, ["view", "execute"])
    grant(member, host, ["view", "execute"])
    assert "step-account" in refused(execute(member_client, plan), 403, "steps[1]")
    bare_plan = plan_of(owner, HostFactory(created_by=owner, name="bare-3"))
    assert "bare-3" in refused(execute(api, bare_plan), 400, "steps[1]")


def test_a_file_push_step_whose_files_are_gone_is_a_400(api: Any, owner: Any, host: Any) -> None:
    gone = "00000000-0000-0000-0000-000000000001"
    plan = plan_of(owner, host, step_type="file_push", source_files=[gone], destination="/tmp/")
    assert "no longer exist" in refused(execute(api, plan), 400, "steps[1]")


def test_a_library_script_step_is_checked_like_a_quick_script(
    member_client: Any, member: Any, api: Any, owner: Any, host: Any
) -> None:
    script = make_script(owner, name="lib", parameters=[{"name": "n", "type": "number"}])
    plan = plan_of(owner, host, script=script, script_content="")
    for obj in (plan, host, host.account):
        grant(member, obj, ["view", "execute"])
    grant(member, script, ["view"])
    assert refused(execute(member_client, plan), 403, "steps[1]") == "You may not run script 'lib'."
    JobStep.objects.filter(template=plan.template).update(parameters={"n": "many"})
    assert "must be a number" in refused(execute(api, plan), 400, "steps[1]")
    script.versions.update(status="offline")
    assert "offline" in refused(execute(api, plan), 400, "steps[1]")


def test_a_dangerous_inline_step_is_blocked_at_launch(api: Any, owner: Any, host: Any) -> None:
    plan = plan_of(owner, host, script_content="rm -rf /\n")
    assert "line 1" in refused(execute(api, plan), 400, "steps[1]")


# --- retry_failed and control_execution ---------------------------------------------------


def finished(owner: Any, host: Any, *, status: str = "failed", host_status: str = "failed") -> Any:
    execution = Execution.objects.create(
        name="earlier",
        kind="quick_script",
        status=status,
        created_by=owner,
        spec={"steps": [{"index": 1, "name": "s", "kind": "script", "host_ids": [host.pk]}]},
    )
    grant(owner, execution, OBJECT_ACTIONS)
    step = ExecutionStep.objects.create(execution=execution, index=1, name="s", step_type="script")
    HostResult.objects.create(
        execution=execution, step=step, host=host, host_name=host.name, status=host_status
    )
    return execution


def retry(client: Any, execution: Any) -> Any:
    return client.post(f"{RECORDS}{execution.pk}/retry_failed/")


def test_retrying_a_running_execution_is_a_409(api: Any, owner: Any, host: Any) -> None:
    execution = finished(owner, host, status="running")
    assert err(retry(api, execution), 409, "status")["status"] == [
        "The execution is still running."
    ]
    assert Execution.objects.count() == 1


def test_retrying_without_failed_hosts_is_a_400(api: Any, owner: Any, host: Any) -> None:
    execution = finished(owner, host, status="success", host_status="success")
    assert err(retry(api, execution), 400, "hosts")["hosts"] == ["No failed hosts to retry."]
    assert Execution.objects.count() == 1


def test_retrying_on_a_host_the_actor_may_not_execute_on_is_a_403(
    member_client: Any, member: Any, owner: Any, host: Any
) -> None:
    execution = finished(owner, host)
    grant(member, execution, ["view", "execute"])
    grant(member, host, ["view"])
    errors = err(retry(member_client, execution), 403, "non_field_errors")
    assert errors["non_field_errors"] == ["You may not run jobs on web-1."]
    assert Execution.objects.count() == 1


@pytest.mark.parametrize("verb", ["stop", "pause", "resume"])
def test_controlling_an_ended_execution_is_a_409(
    api: Any, owner: Any, host: Any, verb: str
) -> None:
    execution = finished(owner, host, status="success")
    errors = err(api.post(f"{RECORDS}{execution.pk}/{verb}/"), 409, "status")
    assert errors["status"] == ["The execution already ended (success)."]


def test_resuming_an_execution_that_is_not_paused_is_a_409(api: Any, owner: Any, host: Any) -> None:
    execution = finished(owner, host, status="running")
    errors = err(api.post(f"{RECORDS}{execution.pk}/resume/"), 409, "status")
    assert errors["status"] == ["The execution is not paused."]
    execution.refresh_from_db()
    assert execution.control == ""


# --- test_host_connections ----------------------------------------------------------------


def test_connection_test_needs_execute_on_every_host(member: Any, owner: Any, host: Any) -> None:
    """The endpoint checks first; the service refuses on its own too (other callers)."""
    grant(member, host, ["view"])
    with pytest.raises(NotAllowed) as refusal:
        services.test_host_connections(actor=member, hosts=[host])
    assert (refusal.value.field, refusal.value.message) == (
        "host_ids",
        "You may not connect to web-1.",
    )
    assert Execution.objects.count() == 0


def test_connection_test_of_a_host_without_an_account_is_a_400(api: Any, owner: Any) -> None:
    bare = HostFactory(created_by=owner, name="bare-4")
    body = {"host_ids": [bare.pk], "wait": 0}
    assert "bare-4" in refused(api.post(CONNECT, body, format="json"), 400, "host_ids")
