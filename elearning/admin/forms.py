"""Admin forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from elearning.accounts.forms import ROLE_LABELS
from elearning.accounts.models import Role


class RoleForm(FlaskForm):
    """Change a user's role."""

    role = SelectField(
        _l("Role"),
        choices=[SelectChoice(r.value, ROLE_LABELS[r]) for r in Role],
        validate_choice=True,
    )


class AccountStatusForm(FlaskForm):
    """Disable or re-enable an account (the button carries the CSRF token only)."""
