from django.db import models


class OsType(models.TextChoices):
    LINUX = "linux", "Linux"
    WINDOWS = "windows", "Windows"


class HostStatus(models.TextChoices):
    UNKNOWN = "unknown", "Unknown"
    REACHABLE = "reachable", "Reachable"
    UNREACHABLE = "unreachable", "Unreachable"
    AUTH_FAILED = "auth_failed", "Authentication failed"


class AuthType(models.TextChoices):
    PASSWORD = "password", "Password"
    KEY = "key", "Private key"


class BecomeMethod(models.TextChoices):
    SUDO = "sudo", "sudo"
    SU = "su", "su"


class HostSource(models.TextChoices):
    MANUAL = "manual", "Manual"
    ALIYUN = "aliyun", "Aliyun ECS"
    TENCENT = "tencent", "Tencent Cloud CVM"
    AWS = "aws", "AWS EC2"
