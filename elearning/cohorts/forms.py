"""Forms of the cohort pages: their fields and validation, nothing else."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _ln
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired, FileSize
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from elearning.accounts.forms import ProfileFields, ResetPasswordForm
from elearning.web.forms import (
    no_control_characters,
    no_control_characters_but_line_breaks,
    strip,
)


class CohortForm(FlaskForm):
    """Create or edit a cohort."""

    name = StringField(
        _l("Name"),
        filters=[strip],
        validators=[
            DataRequired(_l("Give the cohort a name.")),
            Length(max=200, message=_l("Use at most 200 characters.")),
            no_control_characters,
        ],
        description=_l("For example: “Judicial Academy intake, spring 2027”."),
    )
    course = SelectField(_l("Course"), choices=[], validate_choice=True)
    site = StringField(
        _l("Training site or jurisdiction"),
        filters=[strip],
        validators=[
            Length(max=200, message=_l("Use at most 200 characters.")),
            no_control_characters,
        ],
    )
    starts_on = DateField(
        _l("Starts on"),
        validators=[Optional()],
        render_kw={"placeholder": "YYYY-MM-DD"},
    )
    ends_on = DateField(
        _l("Ends on"),
        validators=[Optional()],
        render_kw={"placeholder": "YYYY-MM-DD"},
    )
    join_closes_on = DateField(
        _l("The join code works until"),
        validators=[Optional()],
        description=_l("Leave empty to keep it working until you switch it off."),
        render_kw={"placeholder": "YYYY-MM-DD"},
    )

    earlier_scores = RadioField(
        _l("Scores a judge earned before joining"),
        choices=[
            SelectChoice("count", _l("Count them in the cohort's figures")),
            SelectChoice("leave-out", _l("Leave them out of the cohort's figures")),
        ],
        default="count",
        validate_choice=True,
        description=_l(
            "A judge who took an assessment on their own before joining keeps their score "
            "either way, and the roster marks it. Leave such scores out to measure what this "
            "cohort's training changed."
        ),
    )
    assessments = RadioField(
        _l("The entry and final assessments"),
        choices=[
            SelectChoice("own", _l("Judges start them on their own")),
            SelectChoice("room", _l("The trainer opens and closes them in the room")),
        ],
        default="own",
        validate_choice=True,
        description=_l(
            "For a workshop held face to face: the judges start an assessment only while you "
            "have it open. Closing it never loses an answer: who has started may finish."
        ),
    )
    follow_up = SelectField(
        _l("Ask the judges what they applied at work"),
        choices=[
            SelectChoice("course", _l("As the course says")),  # a new cohort's only
            SelectChoice("", _l("Do not ask")),
            *(
                SelectChoice(
                    str(months),
                    _ln(
                        "%(num)s month after the course", "%(num)s months after the course", months
                    ),
                )
                for months in range(1, 25)
            ),
        ],
        default="course",
        validate_choice=True,
        description=_l(
            "Each judge gets one e-mail that long after they passed the final assessment (or "
            "after the cohort's end date), with a link to a short follow-up evaluation."
        ),
    )

    def validate_ends_on(self, field) -> None:
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The end date is before the start date."))


class AddTrainerForm(FlaskForm):
    """Add a co-trainer by their account's e-mail address."""

    email = EmailField(
        _l("Co-trainer's e-mail address"),
        filters=[strip],
        validators=[
            DataRequired(_l("Enter the co-trainer's e-mail address.")),
            Length(max=254, message=_l("An e-mail address has at most 254 characters.")),
            Email(_l("Enter an e-mail address like name@example.org."), check_deliverability=False),
        ],
    )


class UploadForm(FlaskForm):
    """A participants file to preview."""

    file = FileField(
        _l("Participants file (CSV)"),
        validators=[FileRequired(_l("Choose a CSV file to upload."))],
        description=_l(
            "UTF-8 CSV with a first line naming the columns: name, email, and optionally "
            "country (two letters), institution, position, language."
        ),
        render_kw={"accept": ".csv,text/csv"},
    )


class ConfirmUploadForm(FlaskForm):
    """Import the previewed file."""

    # An id the database can hold (PostgreSQL's integer; 9 digits are always below its limit):
    # a larger number would overflow the query.
    upload_id = HiddenField(validators=[DataRequired(), Regexp(r"[0-9]{1,9}\Z")])


class JoinForm(FlaskForm):
    """Type the join code a trainer gave."""

    code = StringField(
        _l("Join code"),
        filters=[strip],
        validators=[
            DataRequired(_l("Enter the join code your trainer gave you.")),
            Length(max=64, message=_l("A join code has 8 characters, like 7K3Q-M9XD.")),
        ],
        description=_l("8 characters, like 7K3Q-M9XD. Capitals and hyphens do not matter."),
        render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"},
    )


class AcceptWithNewAccountForm(ProfileFields, ResetPasswordForm):
    """Accept a cohort invitation with no account yet: the profile and a first password."""


class ExtraAttemptForm(FlaskForm):
    """Grant a judge one more attempt at the final assessment."""

    reason = TextAreaField(
        _l("Reason"),
        filters=[strip],
        validators=[
            DataRequired(_l("Say why the judge is given another attempt.")),
            Length(max=500, message=_l("Use at most 500 characters.")),
        ],
        description=_l(
            "Kept in the audit log and sent to the judge with the news, for example: "
            "“Absent for the workshop's last day on court duty”."
        ),
    )


def _scale(label):
    """A 1–5 rating as radio buttons; the template labels the two ends."""
    return RadioField(
        label,
        choices=[SelectChoice(str(value), str(value)) for value in range(1, 6)],
        validators=[DataRequired(_l("Choose a rating from 1 to 5."))],
        validate_choice=True,
    )


def _free_text(label):
    """An optional answer in the judge's own words."""
    return TextAreaField(
        label,
        filters=[strip],
        validators=[
            Optional(),
            Length(max=2000, message=_l("Use at most 2,000 characters.")),
            no_control_characters_but_line_breaks,
        ],
        render_kw={"rows": 4},
    )


class ReactionForm(FlaskForm):
    """The reaction evaluation a judge gives at the end of the course or workshop."""

    #: The words at each rating's two ends (1 and 5).
    ENDS = {
        "relevance": (_l("Not relevant"), _l("Highly relevant")),
        "trainers": (_l("Poor"), _l("Excellent")),
        "materials": (_l("Poor"), _l("Excellent")),
    }

    relevance = _scale(_l("How relevant was the training to your work as a judge?"))
    trainers = _scale(_l("How would you rate the trainers?"))
    materials = _scale(_l("How would you rate the materials?"))
    will_apply = _free_text(_l("What will you apply in your work?"))
    would_change = _free_text(_l("What would you change in this training?"))


class SessionForm(FlaskForm):
    """Add or change a session of the cohort's workshop."""

    title = StringField(
        _l("Title"),
        filters=[strip],
        validators=[
            DataRequired(_l("Give the session a title.")),
            Length(max=200, message=_l("Use at most 200 characters.")),
            no_control_characters,
        ],
    )
    held_on = DateField(
        _l("Date"),
        validators=[DataRequired(_l("Give the date as YYYY-MM-DD."))],
        render_kw={"placeholder": "YYYY-MM-DD"},
    )
    starts_at = TimeField(
        _l("Starts at"),
        validators=[DataRequired(_l("Give the time as HH:MM, e.g. 09:30."))],
        render_kw={"placeholder": "HH:MM"},
    )
    ends_at = TimeField(
        _l("Ends at"),
        validators=[DataRequired(_l("Give the time as HH:MM, e.g. 09:30."))],
        render_kw={"placeholder": "HH:MM"},
        description=_l("Times are the venue's local time."),
    )
    venue = StringField(
        _l("Venue"),
        filters=[strip],
        validators=[
            Length(max=200, message=_l("Use at most 200 characters.")),
            no_control_characters,
        ],
    )
    description = TextAreaField(
        _l("Description (optional)"),
        filters=[strip],
        validators=[
            Length(max=2000, message=_l("Use at most 2,000 characters.")),
            no_control_characters_but_line_breaks,
        ],
    )

    def validate_ends_at(self, field) -> None:
        if self.starts_at.data and field.data and field.data <= self.starts_at.data:
            raise ValidationError(_l("A session ends after it starts."))


class AgendaFillForm(FlaskForm):
    """Fill the cohort's sessions from a standard agenda of the trainers' manual."""

    agenda = RadioField(_l("Agenda"), choices=[], validate_choice=True)
    replace = BooleanField(
        _l("Replace the sessions already planned (their attendance is deleted with them)")
    )


class AttendanceRequirementForm(FlaskForm):
    """How much attendance a certificate requires."""

    percent = IntegerField(
        _l("Certificates require attendance at at least this percentage of the sessions"),
        validators=[
            InputRequired(_l("Give a whole number from 0 to 100.")),
            NumberRange(0, 100, message=_l("Give a whole number from 0 to 100.")),
        ],
        description=_l("0: attendance is not required."),
    )


class FollowUpForm(FlaskForm):
    """The follow-up evaluation a judge gives months after the course (Kirkpatrick level 3)."""

    applied = _free_text(_l("What have you applied in your work from the training?"))
    frequency = RadioField(
        _l("How often have you applied it?"),
        choices=[
            SelectChoice("never", _l("Never")),
            SelectChoice("once", _l("Once")),
            SelectChoice("several", _l("Several times")),
            SelectChoice("regularly", _l("Regularly")),
        ],
        validators=[DataRequired(_l("Choose how often you have applied it."))],
        validate_choice=True,
    )
    obstacles = SelectMultipleField(
        _l("What got in the way?"),
        choices=[
            SelectChoice("caseload", _l("Caseload")),
            SelectChoice("support", _l("No institutional support")),
            SelectChoice("rules", _l("Unclear rules")),
            SelectChoice("colleagues", _l("Colleagues' practice")),
            SelectChoice("other", _l("Something else")),
        ],
        validate_choice=True,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    obstacle_other = StringField(
        _l("Something else got in the way: what?"),
        filters=[strip],
        validators=[
            Optional(),
            Length(max=500, message=_l("Use at most 500 characters.")),
            no_control_characters,
        ],
    )
    further_training = _free_text(_l("What further training would help you?"))


class PaperSheetChoiceForm(FlaskForm):
    """Which paper answer sheet to type in: the judge's and the assessment's."""

    member = SelectField(_l("Judge"), coerce=int, validate_choice=True)
    kind = RadioField(
        _l("Assessment"),
        choices=[
            SelectChoice("pre", _l("Entry assessment")),
            SelectChoice("post", _l("Final assessment")),
        ],
        default="pre",
        validators=[DataRequired(_l("Choose the assessment."))],
    )


class PaperPhotoForm(FlaskForm):
    """A photo of a paper answer sheet's QR code, to open its typing page."""

    file = FileField(
        _l("Photo of the sheet's QR code"),
        validators=[
            FileRequired(_l("Choose a photo of the QR code.")),
            FileSize(10 * 1024 * 1024, message=_l("A photo is at most 10 MB.")),
        ],
        render_kw={"accept": "image/*", "capture": "environment"},
    )


class PaperAnswersForm(FlaskForm):
    """A paper answer sheet's answers, typed in (the ``q-`` fields are read as an assessment
    page's are); ``confirmed`` once the trainer has agreed to correct answers entered before."""

    confirmed = HiddenField(validators=[Optional(), Regexp(r"^1?\Z")])
