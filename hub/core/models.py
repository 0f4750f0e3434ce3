"""Abstract bases shared by the domain models."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class OwnedModel(models.Model):
    """A user-created object: who created it and when; object permissions start from here.

    The creator is granted view/change/delete/execute on it by the create service; nothing
    else about access lives on the row.
    """

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
