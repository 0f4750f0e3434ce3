from django.db import models


class StepType(models.TextChoices):
    SCRIPT = "script", "Run script"
    FILE_PUSH = "file_push", "Push files"
    FILE_FETCH = "file_fetch", "Fetch files"
    PLAYBOOK = "playbook", "Run a playbook"


class VariableType(models.TextChoices):
    STRING = "string", "String"
    NUMBER = "number", "Number"
    SECRET = "secret", "Secret"
    HOST_LIST = "host_list", "Host list"


class FailurePolicy(models.TextChoices):
    STOP = "stop", "Stop"
    CONTINUE = "continue", "Continue"
    PAUSE = "pause", "Pause for confirmation"
