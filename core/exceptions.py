"""Domain errors; the API maps each to one status code with {"detail": ...}."""


class DomainError(Exception):
    status_code = 400
    default_detail = "The request could not be carried out."

    def __init__(self, detail: str | None = None) -> None:
        self.detail = detail or self.default_detail
        super().__init__(self.detail)


class InvalidTransition(DomainError):
    """The action is not allowed in the case's current stage (409)."""

    status_code = 409


class Conflict(DomainError):
    """Someone else changed the record first (409)."""

    status_code = 409


class NotInScope(DomainError):
    """The object lies outside the caller's area (answered as 404)."""

    status_code = 404
    default_detail = "Not found."


class NotAllowed(DomainError):
    """The caller's role may not do this here (403)."""

    status_code = 403
