"""Errors of the domain, raised by services and turned into a form error (admin) or one
JSON error shape (API, see projects/api/exceptions.py)."""

from django.core.exceptions import ValidationError


class DomainError(ValidationError):
    """A rule of the mechanism refused the operation (400). `field` names the input at fault (or a
    list of names: the message applies to each; `field` is then the first)."""

    status_code = 400

    def __init__(self, message, *, code="invalid", field=None, params=None):
        names = [field] if isinstance(field, str) else list(field or ())
        if names:
            super().__init__({name: [ValidationError(message, code=code, params=params)] for name in names})
        else:
            super().__init__(message, code=code, params=params)
        self.field = names[0] if names else None
        self.code = code


class Conflict(DomainError):
    """The operation conflicts with the current state (409): already published, already scored,
    edited meanwhile by someone else."""

    status_code = 409


class NotAllowed(DomainError):
    """The user's role or unit does not allow this operation on this object (403)."""

    status_code = 403
