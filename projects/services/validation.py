"""full_clean() with the error turned into a DomainError naming the field at fault."""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from projects.exceptions import DomainError


def clean_or_raise(obj, **kwargs):
    """Run obj.full_clean(); a ValidationError becomes a DomainError (400) on its first field."""
    try:
        obj.full_clean(**kwargs)
    except DomainError:
        raise
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            field, errors = next(iter(exc.error_dict.items()))
            error = errors[0]
            raise DomainError(
                error.message, code=error.code or "invalid", params=error.params,
                field=None if field == NON_FIELD_ERRORS else field,
            ) from exc
        error = exc.error_list[0]
        raise DomainError(error.message, code=error.code or "invalid", params=error.params) from exc
