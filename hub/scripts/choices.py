from django.db import models


class ScriptType(models.TextChoices):
    SHELL = "shell", "Shell"
    PYTHON = "python", "Python"
    POWERSHELL = "powershell", "PowerShell"
    PERL = "perl", "Perl"
    BATCH = "batch", "Batch"


class ParameterType(models.TextChoices):
    STRING = "string", "String"
    NUMBER = "number", "Number"
    CHOICE = "choice", "Choice"
    SECRET = "secret", "Secret"
    HOST_LIST = "host_list", "Host list"
    BOOLEAN = "boolean", "Boolean"
    LIST = "list", "List"
    DICT = "dict", "Dictionary"


class EntryType(models.TextChoices):
    """What a library entry runs: one script, or a playbook with its files (an imported role)."""

    SCRIPT = "script", "Script"
    PLAYBOOK = "playbook", "Playbook"


class VersionStatus(models.TextChoices):
    ONLINE = "online", "Online"
    OFFLINE = "offline", "Offline"


class RuleAction(models.TextChoices):
    WARN = "warn", "Warn"
    BLOCK = "block", "Block"
