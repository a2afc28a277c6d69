"""Validators for identifiers of the domain."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# 固定资产投资项目代码 (GB/T 40058-2021): YYYY-RRRRRR-DD-TT-NNNNNC, 24 characters.
PROJECT_CODE_RE = re.compile(r"^(?P<year>\d{4})-(?P<region>\d{6})-(?P<dept>\d{2})-(?P<type>\d{2})-(?P<serial>\d{5})[0-9A-Z]$")


def validate_project_code(value):
    """Checks the format of a national project code; the check digit's algorithm is not public,
    so only its position and alphabet are checked."""
    match = PROJECT_CODE_RE.match(value or "")
    if not match:
        raise ValidationError(
            _("A national project code has 24 characters: YYYY-RRRRRR-DD-TT-NNNNNC (e.g. 2013-410802-70-01-00001X)."),
            code="invalid_project_code",
        )
    if not 1990 <= int(match["year"]) <= 2100:
        raise ValidationError(_("The code's year %(year)s is out of range."), code="invalid_project_code",
                              params={"year": match["year"]})


# Limits of free text (characters), sized for a project office: a label or reason fits a few
# lines, a note or description a page, meeting minutes and weekly plans a few pages.
SHORT_TEXT = 2000
LONG_TEXT = 4000
MINUTES_TEXT = 10000


def text_limit(length):
    """TextField arguments that bound its length: the form's maxlength, the model's validation and
    the API serializer's max_length (Django does not validate a TextField's max_length itself)."""
    from django.core.validators import MaxLengthValidator

    return {"max_length": length, "validators": [MaxLengthValidator(length)]}
