from django.db import models


class AuditAction(models.TextChoices):
    CREATE = "create", "Create"
    UPDATE = "update", "Update"
    DELETE = "delete", "Delete"
    LOGIN = "login", "Login"
    LOGIN_FAILED = "login_failed", "Login failed"
    LOGOUT = "logout", "Logout"
    EXECUTE = "execute", "Execute"
    CONTROL = "control", "Control execution"
    GRANT = "grant", "Grant permission"
    REVOKE = "revoke", "Revoke permission"
    SYNC = "sync", "Sync"
    IMPORT = "import", "Import"
    EXPORT = "export", "Export"
