"""Errors of the domain, raised by services and turned into a form error (admin) or one
JSON error shape (API, see projects/api/exceptions.py)."""

from django.core.exceptions import ValidationError


class DomainError(ValidationError):
    """A rule of the mechanism refused the operation (400). `field` names the input at fault."""

    status_code = 400

    def __init__(self, message, *, code="invalid", field=None, params=None):
        if field:
            super().__init__({field: [ValidationError(message, code=code, params=params)]})
        else:
            super().__init__(message, code=code, params=params)
        self.field = field
        self.code = code


class Conflict(DomainError):
    """The operation conflicts with the current state (409): already published, already scored,
    edited meanwhile by someone else."""

    status_code = 409


class NotAllowed(DomainError):
    """The user's role or unit does not allow this operation on this object (403)."""

    status_code = 403
