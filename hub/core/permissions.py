"""Object-level permissions (django-guardian): view / change / delete / execute per object.

Lists show what the user may view; a detail the user cannot view is a 404; an action on
an object the user can view but not change/delete/execute is a 403.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar, cast

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group
from django.db import models
from guardian.core import ObjectPermissionChecker
from guardian.shortcuts import assign_perm, get_objects_for_user, remove_perm
from rest_framework import permissions
from rest_framework.request import Request
from rest_framework.views import APIView

OBJECT_ACTIONS = ("view", "change", "delete", "execute")
METHOD_ACTIONS = {
    "GET": "view",
    "HEAD": "view",
    "OPTIONS": "view",
    "PUT": "change",
    "PATCH": "change",
    "DELETE": "delete",
}

UserLike = AbstractBaseUser | AnonymousUser
_M = TypeVar("_M", bound=models.Model)


def codename(model: type[models.Model] | models.Model, action: str) -> str:
    return f"{action}_{model._meta.model_name}"


def full_codename(model: type[models.Model] | models.Model, action: str) -> str:
    return f"{model._meta.app_label}.{codename(model, action)}"


def object_permissions_enabled() -> bool:
    from hub.system.services import get_setting

    return bool(get_setting("feature.object_permissions"))


def objects_for(user: Any, model: type[_M], action: str = "view") -> models.QuerySet[_M]:
    """The objects of `model` this user may act on with `action`."""
    queryset = model._default_manager.all()
    if getattr(user, "is_superuser", False) or not object_permissions_enabled():
        return queryset
    return get_objects_for_user(
        user, full_codename(model, action), klass=queryset, accept_global_perms=True
    )


def user_can(user: Any, obj: models.Model, action: str) -> bool:
    if getattr(user, "is_superuser", False) or not object_permissions_enabled():
        return True
    return bool(
        user.has_perm(full_codename(obj, action)) or user.has_perm(full_codename(obj, action), obj)
    )


def permitted(user: Any, objs: Iterable[_M], action: str) -> set[Any]:
    """The pks of `objs` (one model) that user_can(user, obj, action) allows, in a fixed
    number of queries however many objects: guardian's checker with its cache prefetched."""
    objs = list(objs)
    if not objs:
        return set()
    if (
        getattr(user, "is_superuser", False)
        or not object_permissions_enabled()
        or user.has_perm(full_codename(objs[0], action))
    ):
        return {obj.pk for obj in objs}
    checker = ObjectPermissionChecker(user)
    # guardian annotates a QuerySet; its docs and code take any list of one model's objects.
    checker.prefetch_perms(cast("models.QuerySet[_M]", objs))
    return {obj.pk for obj in objs if checker.has_perm(codename(obj, action), obj)}


def grant(holder: Any, obj: models.Model, actions: Iterable[str]) -> None:
    for action in actions:
        assign_perm(codename(obj, action), holder, obj)


def revoke(holder: Any, obj: models.Model, actions: Iterable[str]) -> None:
    for action in actions:
        remove_perm(codename(obj, action), holder, obj)


def perms_of(
    user: Any, obj: models.Model, checker: ObjectPermissionChecker | None = None
) -> list[str]:
    """The actions this user may do on obj, for the UI to hide what it cannot."""
    if getattr(user, "is_superuser", False) or not object_permissions_enabled():
        return list(OBJECT_ACTIONS)
    checker = checker or ObjectPermissionChecker(user)
    granted = set(checker.get_perms(obj))
    model_level = {a for a in OBJECT_ACTIONS if user.has_perm(full_codename(obj, a))}
    return [a for a in OBJECT_ACTIONS if codename(obj, a) in granted or a in model_level]


def holders_of(obj: models.Model) -> dict[str, list[dict[str, Any]]]:
    from guardian.shortcuts import get_groups_with_perms, get_users_with_perms

    # guardian annotates these as `Any | list[str]` and `Group | dict`; with attach_perms=True
    # both return {holder: [codename, ...]}.
    users = cast(
        "dict[AbstractBaseUser, list[str]]",
        get_users_with_perms(obj, attach_perms=True, with_superusers=False, with_group_users=False),
    )
    groups = cast("dict[Group, list[str]]", get_groups_with_perms(obj, attach_perms=True))

    def actions(perms: list[str]) -> list[str]:
        return sorted(p.split("_", 1)[0] for p in perms)

    return {
        "users": [
            {"id": u.pk, "username": u.get_username(), "actions": actions(p)}
            for u, p in users.items()
        ],
        "groups": [{"id": g.pk, "name": g.name, "actions": actions(p)} for g, p in groups.items()],
    }


def is_holder_type(value: Any) -> bool:
    return isinstance(value, AbstractBaseUser | Group)


class ObjectPermission(permissions.BasePermission):
    """403 when the user may see the object but not do this to it.

    Custom actions name what they need with `required_action` in the @action kwargs.
    """

    message = "You do not have permission to perform this action on this object."

    def has_object_permission(self, request: Request, view: APIView, obj: Any) -> bool:
        action = getattr(view, "required_action", None) or METHOD_ACTIONS.get(request.method or "")
        return action is None or user_can(request.user, obj, action)
