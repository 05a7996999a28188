"""Forms of the learner's pages: enrol, mark a lesson complete, answer a knowledge check."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, InputRequired, ValidationError

from elearning.content.model import KnowledgeCheck


class EnrolForm(FlaskForm):
    """Enrol in an open course (only the CSRF token)."""


class CompletionForm(FlaskForm):
    """Mark a lesson complete, or not complete again."""

    state = HiddenField(validators=[AnyOf(("complete", "incomplete"))], default="complete")


class CheckForm(FlaskForm):
    """One answer to a knowledge check: one option, or several for "select all that apply"."""

    selected = SelectMultipleField(
        validators=[InputRequired(_l("Choose an answer first."))], coerce=str, validate_choice=False
    )

    def __init__(self, check: KnowledgeCheck, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.check = check
        self.selected.choices = [SelectChoice(option.key, option.key) for option in check.options]

    def validate_selected(self, field: SelectMultipleField) -> None:
        """Only the check's own options; a single-answer check takes exactly one."""
        keys = {option.key for option in self.check.options}
        if not set(field.data or []) <= keys:
            raise ValidationError(_l("That answer is not one of the options. Please choose again."))
        if not self.check.is_multiple and len(field.data or []) > 1:
            raise ValidationError(_l("Choose one answer."))

    @property
    def selected_keys(self) -> frozenset[str]:
        """The chosen options."""
        return frozenset(self.selected.data or [])
