"""Account forms: their fields and validation, nothing else."""

from __future__ import annotations

import functools
import zoneinfo

from babel import Locale
from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from elearning.accounts.logic import MAX_PASSWORD_LENGTH, PasswordProblem, password_problem
from elearning.accounts.models import Role
from elearning.i18n import LANGUAGE_NAMES, sort_key
from elearning.web.forms import no_control_characters, strip

PASSWORD_MESSAGES = {
    PasswordProblem.too_short: _l("Use at least 8 characters."),
    PasswordProblem.too_long: _l("Use at most 1,024 characters."),
    PasswordProblem.common: _l(
        "This password is one of the most commonly used and easy to guess. Choose another: "
        "a few unrelated words make a strong password that is easy to remember."
    ),
    PasswordProblem.personal: _l("Do not use your e-mail address or name as your password."),
}


ROLE_LABELS = {
    Role.learner: _l("Learner"),
    Role.trainer: _l("Trainer"),
    Role.admin: _l("Admin"),
}


#: CLDR region codes that are not places a judge sits: pseudo-locales, groupings, "unknown",
#: the ISO codes reserved for parts of other countries (Ascension, Canary Islands, Ceuta and
#: Melilla, Clipperton, Diego Garcia, Sark, Tristan da Cunha) and the uninhabited territories
#: (Antarctica, Bouvet, Heard and McDonald, French Southern Lands, South Georgia, U.S. Outlying
#: Islands).
NOT_COUNTRIES = frozenset(
    {"XA", "XB", "ZZ", "EU", "EZ", "UN", "QO", "AC", "CP", "CQ", "DG", "EA", "IC", "TA"}
    | {"AQ", "BV", "HM", "TF", "GS", "UM"}
)


def country_choices() -> list[SelectChoice]:
    """Countries by their two-letter code, named and sorted in the page's language."""
    locale = get_locale() or Locale("en")
    return [SelectChoice("", _l("— Choose —"))] + [
        SelectChoice(code, name) for code, name in countries(str(locale))
    ]


@functools.lru_cache(maxsize=16)
def countries(language: str) -> tuple[tuple[str, str], ...]:
    """(code, name) of every country, in ``language``'s alphabetical order."""
    names = Locale.parse(language).territories
    return tuple(
        sorted(
            (
                (code, name)
                for code, name in names.items()
                if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES
            ),
            key=lambda item: sort_key(item[1], language),
        )
    )


def time_zone_choices() -> list[SelectChoice]:
    """The academy's zone (the default), then every zone of the tz database by name."""
    default = current_app.config["DEFAULT_TIMEZONE"]
    return [SelectChoice("", _l("The academy's: %(zone)s", zone=default))] + [
        SelectChoice(name, name.replace("_", " ")) for name in _zone_names()
    ]


#: The tz database's regions; its other names are aliases kept for old systems ("US/Eastern").
ZONE_REGIONS = ("Africa", "America", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific")


@functools.cache
def _zone_names() -> tuple[str, ...]:
    names = (n for n in zoneinfo.available_timezones() if n.split("/")[0] in ZONE_REGIONS)
    return ("UTC", *sorted(names))


def language_choices() -> list[SelectChoice]:
    """The platform's languages, each named in itself."""
    return [SelectChoice("", _l("Browser's choice"))] + [
        SelectChoice(code, LANGUAGE_NAMES[code]) for code in current_app.config["LANGUAGES"]
    ]


def _email_field() -> EmailField:
    return EmailField(
        _l("E-mail address"),
        filters=[strip],
        validators=[
            DataRequired(_l("Enter your e-mail address.")),
            Length(max=254, message=_l("An e-mail address has at most 254 characters.")),
            Email(_l("Enter an e-mail address like name@example.org."), check_deliverability=False),
        ],
        render_kw={"autocomplete": "email", "spellcheck": "false"},
    )


def _new_password_field(label) -> PasswordField:
    return PasswordField(
        label,
        validators=[DataRequired(_l("Choose a password."))],
        description=_l("At least 8 characters. Long passphrases are welcome."),
        render_kw={"autocomplete": "new-password"},
    )


def _confirm_field() -> PasswordField:
    return PasswordField(
        _l("Repeat the password"),
        validators=[
            DataRequired(_l("Repeat the password.")),
            EqualTo("password", _l("The two passwords are not the same.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class BlankIsDefaultSelectField(SelectField):
    """A choice whose blank value means "the platform's default": a profile that names none,
    or a form that does not ask (sign-up), chooses the blank option."""

    def process_data(self, value) -> None:
        super().process_data(value or "")


class ProfileFields:
    """The profile fields shared by sign-up and the profile page."""

    certificate_name = StringField(
        _l("Name as it must appear on your certificate"),
        filters=[strip],
        validators=[
            DataRequired(_l("Enter your name as it must appear on your certificate.")),
            Length(max=200, message=_l("Use at most 200 characters.")),
            no_control_characters,
        ],
        description=_l("Include any title you want printed, e.g. “Hon. Justice Amina Yusuf”."),
        render_kw={"autocomplete": "name"},
    )
    country = SelectField(_l("Country"), choices=[], validate_choice=True)
    institution = StringField(
        _l("Court or institution"),
        filters=[strip],
        validators=[
            Length(max=200, message=_l("Use at most 200 characters.")),
            no_control_characters,
        ],
        render_kw={"autocomplete": "organization"},
    )
    position = StringField(
        _l("Position"),
        filters=[strip],
        validators=[
            Length(max=200, message=_l("Use at most 200 characters.")),
            no_control_characters,
        ],
        description=_l("For example: judge of the High Court, magistrate, registrar."),
        render_kw={"autocomplete": "organization-title"},
    )
    preferred_language = SelectField(_l("Preferred language"), choices=[], validate_choice=True)
    time_zone = BlankIsDefaultSelectField(
        _l("Time zone"),
        choices=[],
        validate_choice=True,
        description=_l("Dates and times are shown in it, with its name."),
    )

    def fill_choices(self) -> None:
        """Set the select lists for the current language."""
        self.country.choices = country_choices()
        self.preferred_language.choices = language_choices()
        self.time_zone.choices = time_zone_choices()


class SignUpForm(ProfileFields, FlaskForm):
    """Create a learner account."""

    email = _email_field()
    password = _new_password_field(_l("Password"))
    confirm = _confirm_field()

    def validate_password(self, field) -> None:
        problem = password_problem(
            field.data or "", email=self.email.data or "", name=self.certificate_name.data or ""
        )
        if problem:
            raise ValidationError(PASSWORD_MESSAGES[problem])


class SignInForm(FlaskForm):
    """Sign in with e-mail and password."""

    email = _email_field()
    password = PasswordField(
        _l("Password"),
        validators=[
            DataRequired(_l("Enter your password.")),
            Length(max=MAX_PASSWORD_LENGTH, message=PASSWORD_MESSAGES[PasswordProblem.too_long]),
        ],
        render_kw={"autocomplete": "current-password"},
    )
    # Set by the view when the e-mail and password do not match an account: the page's message
    # then concerns both fields, which say so to assistive technology (aria-invalid).
    credentials_rejected = False


class ForgotPasswordForm(FlaskForm):
    """Ask for a password-reset link."""

    email = _email_field()


class ResetPasswordForm(FlaskForm):
    """Choose a new password through a reset link."""

    password = _new_password_field(_l("New password"))
    confirm = _confirm_field()

    def validate_password(self, field) -> None:
        problem = password_problem(field.data or "")
        if problem:
            raise ValidationError(PASSWORD_MESSAGES[problem])


class ChangePasswordForm(ResetPasswordForm):
    """Change the password while signed in."""

    current_password = PasswordField(
        _l("Current password"),
        validators=[
            DataRequired(_l("Enter your current password.")),
            Length(max=MAX_PASSWORD_LENGTH),
        ],
        render_kw={"autocomplete": "current-password"},
    )


class ProfileForm(ProfileFields, FlaskForm):
    """Edit one's profile."""

    sort_name = StringField(
        _l("Name as sorted in lists"),
        filters=[strip],
        validators=[
            Length(max=200, message=_l("Use at most 200 characters.")),
            no_control_characters,
        ],
        render_kw={"autocomplete": "off"},
    )


class ConfirmForm(FlaskForm):
    """A button that changes state (sign out, confirm): only the CSRF token."""
