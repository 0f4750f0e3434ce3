from django.db import models


class TokenScope(models.TextChoices):
    """What a personal API token may do, each scope including the ones before it."""

    READ = "read", "Read only"
    EXECUTE = "execute", "Read, launch and control runs"
    ADMIN = "admin", "Everything its user may do"


SCOPE_RANK = {TokenScope.READ: 0, TokenScope.EXECUTE: 1, TokenScope.ADMIN: 2}
