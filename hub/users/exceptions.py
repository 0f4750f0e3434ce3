from hub.core.exceptions import DomainError


class LoginFailed(DomainError):
    status_code = 401


class LockedOut(DomainError):
    status_code = 429
