"""Forms of the certificate pages: learner, public verification, admin."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired, FileSize
from wtforms import HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from elearning.accounts.forms import ProfileFields
from elearning.web.forms import (
    no_control_characters,
    no_control_characters_but_line_breaks,
    strip,
)


class NameCorrectionForm(FlaskForm):
    """The holder asks for another name on an issued certificate."""

    name = ProfileFields.certificate_name
    note = TextAreaField(
        _l("Why (optional)"),
        filters=[strip],
        validators=[
            Optional(),
            Length(max=1000, message=_l("Use at most 1,000 characters.")),
            no_control_characters_but_line_breaks,
        ],
        description=_l("For example: a spelling mistake, or a title you want printed."),
    )


class VerifyCodeForm(FlaskForm):
    """Type a certificate's code (a GET form: nothing changes)."""

    class Meta:
        csrf = False

    code = StringField(
        _l("Certificate code"),
        filters=[strip],
        validators=[DataRequired(_l("Enter the code printed on the certificate."))],
        description=_l("16 letters and digits, as printed under the QR code, e.g. 7K3M-Q9TD-…"),
        render_kw={"autocomplete": "off", "spellcheck": "false", "maxlength": 40},
    )


class CheckPdfForm(FlaskForm):
    """Upload a PDF to check that it is the certificate issued."""

    pdf = FileField(
        _l("The certificate's PDF file"),
        validators=[FileRequired(_l("Choose the PDF file to check."))],
        render_kw={"accept": "application/pdf,.pdf"},
    )


class CheckCredentialForm(FlaskForm):
    """Upload a verifiable credential (.json) to check its proof and status."""

    credential = FileField(
        _l("The credential file (.json)"),
        validators=[
            FileRequired(_l("Choose the credential file to check.")),
            FileSize(256 * 1024, message=_l("A credential file is at most 256 KB.")),
        ],
        render_kw={"accept": "application/json,application/vc+ld+json,.json,.jsonld"},
    )


class RevokeForm(FlaskForm):
    """Revoke a certificate, saying why (shown on its public verification page)."""

    reason = TextAreaField(
        _l("Reason (shown publicly on the verification page)"),
        filters=[strip],
        validators=[
            DataRequired(_l("Say why the certificate is revoked.")),
            Length(max=500, message=_l("Use at most 500 characters.")),
            no_control_characters,
        ],
    )
    # "yes" once the admin has answered the page that asks "Revoke this certificate?"
    confirmed = HiddenField()


class ReissueForm(FlaskForm):
    """Issue a new certificate that replaces this one, with the name to print."""

    name = StringField(
        _l("Name to print on the new certificate"),
        filters=[strip],
        validators=[
            DataRequired(_l("Enter the name to print.")),
            Length(max=200, message=_l("Use at most 200 characters.")),
            no_control_characters,
        ],
        description=_l("Filled in from the holder's profile; correct it if needed."),
    )


class DecisionForm(FlaskForm):
    """Approve or reject a name correction."""

    decision = SelectField(
        _l("Decision"),
        choices=[
            SelectChoice("approve", _l("Approve: issue a corrected certificate")),
            SelectChoice("reject", _l("Reject")),
        ],
        validate_choice=True,
    )
    note = TextAreaField(
        _l("Note to the holder (optional)"),
        filters=[strip],
        validators=[
            Optional(),
            Length(max=500, message=_l("Use at most 500 characters.")),
            no_control_characters_but_line_breaks,
        ],
    )
    # "yes" once the admin has answered the page that asks "Reject this request?"
    confirmed = HiddenField()


class QueueForm(FlaskForm):
    """Decide the selected requests of the approval queue: approve, hold, release or reject.
    The name each certificate prints comes in a field per row (``name-<request id>``), read
    by the view."""

    requests = SelectMultipleField(_l("Requests"), coerce=int, validate_choice=False)
    confirmed = HiddenField()  # "yes" once a rejection is confirmed
    decision = SelectField(
        _l("Decision"),
        choices=[
            SelectChoice("approve", _l("Approve and issue")),
            SelectChoice("hold", _l("Put on hold")),
            SelectChoice("release", _l("Release from hold")),
            SelectChoice("reject", _l("Reject")),
        ],
        validate_choice=True,
    )
    reason = TextAreaField(
        _l("Reason (required to hold or reject; a rejected judge receives it by e-mail)"),
        filters=[strip],
        validators=[
            Optional(),
            Length(max=500, message=_l("Use at most 500 characters.")),
            no_control_characters_but_line_breaks,
        ],
    )

    def validate(self, extra_validators=None) -> bool:
        """Holding or rejecting says why (checked here: ``Optional`` ends the field's own
        chain when it is blank)."""
        valid = super().validate(extra_validators)
        if valid and self.decision.data in ("hold", "reject") and not self.reason.data:
            self.reason.errors = [_l("Say why: the reason is required to hold or reject.")]
            return False
        return valid


class CohortIssueForm(FlaskForm):
    """Issue every certificate a cohort's members are owed."""

    cohort = SelectField(_l("Cohort"), choices=[], coerce=str, validate_choice=True)
    # "yes" once the admin has seen how many certificates the run will issue
    confirmed = HiddenField()


class BulkIssueForm(FlaskForm):
    """Issue every certificate a course owes."""

    course = SelectField(_l("Course"), choices=[], validate_choice=True)
