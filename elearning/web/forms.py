"""What every form's text fields share: trimmed input, and no invisible characters."""

from __future__ import annotations

import re
from types import SimpleNamespace

from flask import flash
from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

from elearning.names import has_invisible


def strip(value):
    """A WTForms filter: surrounding spaces removed."""
    return value.strip() if isinstance(value, str) else value


def no_control_characters(form, field) -> None:
    """A WTForms validator: no control, direction-override or line-separator characters."""
    if has_invisible(field.data or ""):
        raise ValidationError(_l("Remove the invisible control characters from this field."))


def no_control_characters_but_line_breaks(form, field) -> None:
    """For text of several lines: no control character (a NUL, which the database refuses; a
    bidi override) but line breaks and tabs."""
    no_control_characters(form, SimpleNamespace(data=re.sub("[\r\n\t]", "", field.data or "")))


def flash_errors(form) -> None:
    """Every error of a form that redirects instead of showing itself again, as messages."""
    for errors in form.errors.values():
        for error in errors:
            flash(error, "error")
