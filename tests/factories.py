"""factory_boy factories; objects made through them get owner permissions like the API's."""

from __future__ import annotations

from typing import Any

import factory
from django.contrib.auth import get_user_model

from hub.core.permissions import OBJECT_ACTIONS, grant
from hub.inventory.models import Account, Host, HostGroup


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")

    @factory.post_generation
    def password(obj: Any, create: bool, extracted: Any, **kwargs: Any) -> None:
        obj.set_password(extracted or "correct horse battery")
        if create:
            obj.save(update_fields=["password"])


class OwnedFactory(factory.django.DjangoModelFactory):
    """Grants the creator view/change/delete/execute, as the create services do."""

    class Meta:
        abstract = True
        skip_postgeneration_save = True

    created_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def owner_perms(obj: Any, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and obj.created_by is not None:
            grant(obj.created_by, obj, OBJECT_ACTIONS)


class AccountFactory(OwnedFactory):
    class Meta:
        model = Account

    name = factory.Sequence(lambda n: f"account-{n}")
    username = "root"
    auth_type = "password"
    password = "s3cret-Pa55"

    class Params:
        with_key = factory.Trait(auth_type="key", password="", private_key="KEY")


class HostGroupFactory(OwnedFactory):
    class Meta:
        model = HostGroup

    name = factory.Sequence(lambda n: f"group-{n}")


class HostFactory(OwnedFactory):
    class Meta:
        model = Host

    name = factory.Sequence(lambda n: f"host-{n}")
    ip_address = factory.Sequence(lambda n: f"127.0.1.{n % 250 + 1}")
    port = 22


def ed25519_key(passphrase: str = "", *, openssh: bool = True) -> str:
    """A fresh ed25519 private key: OpenSSH format from ssh-keygen (what users paste), or
    PKCS#8 PEM from cryptography; encrypted when a passphrase is given."""
    if not openssh:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        encryption: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(passphrase.encode())
            if passphrase
            else serialization.NoEncryption()
        )
        return (
            Ed25519PrivateKey.generate()
            .private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
            )
            .decode()
        )
    import subprocess
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "id"
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", passphrase, "-C", "test", "-f", str(path)],
            check=True,
            capture_output=True,
        )
        return path.read_text()


def make_script(actor: Any, *, name: str = "", content: str = "echo hello\n", **data: Any) -> Any:
    """A library script made through the create service (v1, owner permissions, audit)."""
    from hub.scripts.api.serializers import ScriptTemplateSerializer
    from hub.scripts.services import create_script

    payload = {"name": name or f"script-{_next()}", "content": content, **data}
    serializer = ScriptTemplateSerializer(data=payload)
    serializer.is_valid(raise_exception=True)
    script, _warnings = create_script(actor=actor, data=serializer.validated_data)
    return script


_counter = iter(range(1, 10**9))


def _next() -> int:
    return next(_counter)


class JobTemplateFactory(OwnedFactory):
    class Meta:
        model = "jobs.JobTemplate"

    name = factory.Sequence(lambda n: f"template-{n}")


class ExecutionPlanFactory(OwnedFactory):
    class Meta:
        model = "jobs.ExecutionPlan"

    template = factory.SubFactory(
        JobTemplateFactory, created_by=factory.SelfAttribute("..created_by")
    )
    name = factory.Sequence(lambda n: f"plan-{n}")


class ScheduleFactory(OwnedFactory):
    """A plan schedule row only (no beat timer: the schedule services keep that in sync)."""

    class Meta:
        model = "schedules.Schedule"

    name = factory.Sequence(lambda n: f"schedule-{n}")
    cron_expression = "0 3 * * *"
    target_kind = "plan"
    plan = factory.SubFactory(
        ExecutionPlanFactory, created_by=factory.SelfAttribute("..created_by")
    )

    class Params:
        disabled = factory.Trait(enabled=False)
