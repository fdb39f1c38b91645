"""Domain errors. Each carries the field at fault so every interface can name it."""

from __future__ import annotations


class DomainError(Exception):
    """A command broke a rule of the process."""

    status_code = 409
    title = "Rule violated"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidTransition(DomainError):
    title = "Invalid state transition"


class ConcurrentModification(DomainError):
    """Someone saved the aggregate between this command's read and its write (db/versioned.py)."""

    title = "Concurrent modification"


class NotOwner(DomainError):
    status_code = 403
    title = "Only the incident owner may do this"


class NotInTeam(DomainError):
    """The person is not in the team that holds the role (`roles.<role>.team`, PROCESS.md §2.7)."""

    status_code = 403
    title = "Not in the role's team"


class Forbidden(DomainError):
    """The caller's access level does not allow this (directory/access.py)."""

    status_code = 403
    title = "Not allowed"


class NotFound(DomainError):
    status_code = 404
    title = "Not found"


class InvalidInput(DomainError):
    status_code = 422
    title = "Invalid input"


class RateLimited(DomainError):
    """Too many attempts from one client (or to one recipient): try again after `retry_after` s."""

    status_code = 429
    title = "Too many requests"

    def __init__(self, message: str, retry_after: int, *, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.retry_after = retry_after
