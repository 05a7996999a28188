"""Paper answer sheets, for the cohort's trainers: print one per judge (PDF), then type each one
back in (chosen from the list, or opened from the sheet's QR code: scanned with a phone, or a
photo of it uploaded) so that it counts as the judge's attempt."""

from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from wtforms.fields.choices import SelectChoice

from elearning.accounts.access import role_required
from elearning.accounts.models import Role, User
from elearning.assessments.forms import BadAnswer, read_answers
from elearning.assessments.services import responses_of
from elearning.cohorts import bp, paper, tasks
from elearning.cohorts.access import load_cohort_or_404
from elearning.cohorts.forms import PaperAnswersForm, PaperPhotoForm, PaperSheetChoiceForm
from elearning.cohorts.models import Cohort, CohortMember
from elearning.cohorts.report_views import kept_pdf
from elearning.content.itemtypes import item_type
from elearning.content.model import Course
from elearning.extensions import db
from elearning.i18n import text_direction
from elearning.learning.access import course_language
from elearning.pdf import render_pdf
from elearning.sqltypes import utcnow
from elearning.web.downloads import attachment
from elearning.web.links import public_url
from elearning.web.templating import percent

STYLESHEET = Path(__file__).resolve().parent.parent / "static" / "paper-print.css"
#: The value of a question's "left blank" choice on the typing page.
BLANK = "blank"


def _refusal_message(reason: str) -> str:
    return {
        "online": _(
            "This judge has already answered this assessment online, so a paper sheet cannot "
            "be entered for it. Nothing was saved."
        ),
        "other-sheet": _(
            "Another paper sheet of this judge was already entered for this assessment. "
            "Nothing was saved."
        ),
        "question": _("An answer was for a question that is not on this sheet. Nothing was saved."),
        "option": _("An answer is not one of the sheet's boxes. Nothing was saved."),
        "taken": _(
            "This sheet was entered by someone else a moment ago. Open it again to see what "
            "was entered."
        ),
        "missing": _("The course has no such assessment."),
    }.get(reason, _("This sheet cannot be entered. Nothing was saved."))


def _members(cohort: Cohort) -> list[tuple[CohortMember, User]]:
    """The cohort's judges with their accounts, by family name (roster order)."""
    return list(
        db.session.execute(
            select(CohortMember, User)
            .join(User, User.id == CohortMember.user_id)
            .where(CohortMember.cohort_id == cohort.id)
            .order_by(User.name_key, User.certificate_name, CohortMember.id)
        ).all()
    )


def _sheet_url(sheet: paper.Sheet) -> str:
    """The address the sheet's QR code holds: its typing page, at the platform's public
    address (never the request's)."""
    token = paper.sheet_token(current_app.config["SECRET_KEY"], sheet)
    return public_url("cohorts.paper_sheet", cohort_id=sheet.cohort_id, token=token)


def _qr_svg(text: str) -> Markup:
    import segno

    buffer = io.BytesIO()
    segno.make(text, error="m").save(
        buffer, kind="svg", border=0, scale=2, dark="#000", xmldecl=False, svgns=True
    )
    return Markup(buffer.getvalue().decode())  # noqa: S704 - segno's own SVG  # nosec B704


def _judge_language(judge: User) -> str:
    languages = current_app.config["LANGUAGES"]
    return (
        judge.preferred_language
        if judge.preferred_language in languages
        else current_app.config["DEFAULT_LANGUAGE"]
    )


def _file_name(cohort: Cohort, what: str) -> str:
    name = re.sub(r"[^\w-]+", "-", cohort.name, flags=re.UNICODE).strip("-")[:80]
    return f"{name or f'cohort-{cohort.id}'}-{what}.pdf"


#: The kept documents (``cohorts.documents``) of the whole cohort's sheets, by assessment; kept
#: in no interface language of their own (language ""): each sheet is in its judge's.
SHEETS_EDITIONS = {"pre": "paper-pre", "post": "paper-post"}


def printed_sheets(
    cohort: Cohort, course: Course, kind: str, member_id: int | None = None
) -> list[tuple[User, paper.Sheet]]:
    """The judges of the cohort (or only the one of ``member_id``) and their sheets for
    ``kind``, in roster order. Composing a sheet may choose a judge's entry form: the caller
    rolls that back (printing changes nothing)."""
    printed = []
    for member, judge in _members(cohort):
        if member_id is not None and member.id != member_id:
            continue
        try:
            printed.append((judge, paper.compose_sheet(db.session, course, member, kind)))
        except paper.PaperRefused:
            continue
    return printed


def sheets_fingerprint(
    cohort: Cohort, course: Course, kind: str, printed: list[tuple[User, paper.Sheet]]
) -> str:
    """What the sheets print depends on: the assessment, the content, the cohort's name, and
    for each judge in order their name, language, sheet (its version digests its questions and
    options) and QR code (the sheet's signed address at the platform's public address)."""
    parts = [
        kind,
        course.content_version,
        cohort.name,
        [
            (judge.certificate_name, _judge_language(judge), sheet.version, _sheet_url(sheet))
            for judge, sheet in printed
        ],
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def render_sheets_pdf(cohort: Cohort, course: Course, printed) -> bytes:
    """The sheets in one PDF to print on A4, each in its judge's language."""
    sheets = []
    for judge, sheet in printed:
        language = _judge_language(judge)
        content = language if language in course.languages else "en"
        questions = sheet.questions(course)
        with force_locale(language):
            sheets.append(
                render_template(
                    "cohorts/_paper_sheet.html",
                    cohort=cohort,
                    course=course,
                    judge=judge,
                    sheet=sheet,
                    questions=questions,
                    widgets={q.question.id: item_type(q.question).widget for q in questions},
                    qr=_qr_svg(_sheet_url(sheet)),
                    language=content,
                    direction=text_direction(language),
                    ui_language=language,
                )
            )
    with force_locale(current_app.config["DEFAULT_LANGUAGE"]):
        html = render_template("cohorts/paper_sheets_pdf.html", cohort=cohort, sheets=sheets)
    return render_pdf(html, STYLESHEET.read_text(encoding="utf-8"))


@bp.route("/cohorts/<int:cohort_id>/paper/<any(pre, post):kind>.pdf")
@role_required(Role.trainer)
def paper_sheets(cohort_id: int, kind: str):
    """One answer sheet per judge of the cohort for the entry (``pre``) or final (``post``)
    assessment, each in the judge's language, in one PDF to print on A4. A job renders the
    whole cohort's (a minute of CPU for a large cohort; see ``report_views.kept_pdf``);
    ``member``: only that judge's sheet (one who arrived late, or a sheet to print again),
    rendered at once."""
    cohort, course = load_cohort_or_404(cohort_id)
    only = request.args.get("member", type=int)
    if course.form(kind) is None or course.bank is None:
        flash(_refusal_message("missing"), "error")
        return redirect(url_for("cohorts.paper_entry", cohort_id=cohort.id))
    if not any(only is None or member.id == only for member, _judge in _members(cohort)):
        flash(_("The cohort has no judges yet."), "info")
        return redirect(url_for("cohorts.paper_entry", cohort_id=cohort.id))
    printed = printed_sheets(cohort, course, kind, only)
    name = _file_name(cohort, f"answer-sheets-{kind}")
    if only is not None:
        pdf = render_sheets_pdf(cohort, course, printed)
        db.session.rollback()  # printing changes nothing
        return attachment(pdf, name, "application/pdf")
    fingerprint = sheets_fingerprint(cohort, course, kind, printed)
    db.session.rollback()  # printing changes nothing
    return kept_pdf(
        cohort,
        language="",
        edition=SHEETS_EDITIONS[kind],
        fingerprint=fingerprint,
        file_name=name,
        job=(tasks.render_paper_sheets, cohort.id, kind),
        preparing={
            "title": _("The answer sheets as a PDF"),
            "message": _(
                "The answer sheets are being prepared, one per judge. This page refreshes by "
                "itself and the download starts when they are ready: about a minute for a "
                "large cohort."
            ),
            "crumb": _("Paper answer sheets"),
            "back_url": url_for("cohorts.paper_entry", cohort_id=cohort.id),
            "back_label": _("Back to the paper answer sheets"),
        },
    )


@bp.route("/cohorts/<int:cohort_id>/paper", methods=["GET", "POST"])
@role_required(Role.trainer)
def paper_entry(cohort_id: int):
    """Print the answer sheets, and choose a sheet to type in: by judge and assessment, or from
    a photo of its QR code."""
    cohort, course = load_cohort_or_404(cohort_id)
    members = _members(cohort)
    choice = PaperSheetChoiceForm()
    kinds = _choices(choice, members, course)
    if request.method == "GET":  # after a sheet is saved, the next judge's is offered
        after = request.args.get("after", type=int)
        ids = [member.id for member, _judge in members]
        if after in ids and ids.index(after) + 1 < len(ids):
            choice.member.data = ids[ids.index(after) + 1]
        if request.args.get("kind") in kinds:
            choice.kind.data = request.args["kind"]
    if request.method == "POST" and choice.validate_on_submit():
        member = next(m for m, _judge in members if m.id == choice.member.data)
        return _redirect_to_sheet(cohort, course, member, choice.kind.data)
    return _paper_page(cohort, course, choice, PaperPhotoForm(), kinds)


def _choices(choice: PaperSheetChoiceForm, members, course: Course) -> list[str]:
    """Fill the choice of judges and assessments; returns the assessments the course has."""
    choice.member.choices = [
        SelectChoice(member.id, judge.certificate_name) for member, judge in members
    ]
    kinds = [kind for kind in paper.KINDS if course.form(kind) is not None]
    choice.kind.choices = [c for c in choice.kind.choices if c.value in kinds]
    return kinds


def _paper_page(cohort: Cohort, course: Course, choice, photo, kinds, error: str | None = None):
    failed = request.method == "POST" and (choice.errors or photo.errors)
    return render_template(
        "cohorts/paper.html",
        cohort=cohort,
        course=course,
        choice=choice,
        photo=photo,
        kinds=kinds,
        error=error,
    ), (404 if error else 422 if failed else 200)


def _unknown_sheet(cohort: Cohort, course: Course):
    """The sheets page, saying that the address is not a sheet of this cohort (404)."""
    choice = PaperSheetChoiceForm(formdata=None)
    kinds = _choices(choice, _members(cohort), course)
    message = _(
        "This address is not an answer sheet of this cohort: its code was altered, belongs to "
        "another cohort, or names a judge no longer in it. Nothing was saved. Choose the judge "
        "and the assessment below instead."
    )
    return _paper_page(cohort, course, choice, PaperPhotoForm(formdata=None), kinds, message)


def _redirect_to_sheet(cohort: Cohort, course: Course, member: CohortMember, kind: str):
    try:
        sheet = paper.compose_sheet(db.session, course, member, kind)
    except paper.PaperRefused as refused:
        flash(_refusal_message(refused.reason), "error")
        return redirect(url_for("cohorts.paper_entry", cohort_id=cohort.id))
    token = paper.sheet_token(current_app.config["SECRET_KEY"], sheet)
    return redirect(url_for("cohorts.paper_sheet", cohort_id=cohort.id, token=token))


@bp.post("/cohorts/<int:cohort_id>/paper/photo")
@role_required(Role.trainer)
def paper_photo(cohort_id: int):
    """Open the typing page of the sheet whose QR code is in an uploaded photo."""
    cohort, course = load_cohort_or_404(cohort_id)
    photo = PaperPhotoForm()
    if photo.validate_on_submit():
        token = _token_in_photo(photo.file.data.read(current_app.config["MAX_CONTENT_LENGTH"]))
        ref = paper.read_token(current_app.config["SECRET_KEY"], token) if token else None
        if ref is not None and ref.cohort_id == cohort.id:
            return redirect(url_for("cohorts.paper_sheet", cohort_id=cohort.id, token=token))
        photo.file.errors = [
            _("No QR code was found in the photo. Take it again, closer and in focus.")
            if token is None
            else _("The QR code in the photo is not an answer sheet of this cohort.")
        ]
    members = _members(cohort)
    choice = PaperSheetChoiceForm(formdata=None)
    kinds = _choices(choice, members, course)
    return _paper_page(cohort, course, choice, photo, kinds)


def _token_in_photo(data: bytes) -> str | None:
    """The sheet code in the photo's QR code(s): the last part of the typing page's address;
    "" for a QR code that holds something else; None when the photo holds none."""
    import zxingcpp
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as picture:
            picture.load()
            found = [code.text for code in zxingcpp.read_barcodes(picture)]
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None  # not a picture (or a bomb of one)
    if not found:
        return None
    for text in found:
        path = text.split("?")[0].split("#")[0].rstrip("/")
        if "/paper/sheet/" in path:
            return path.rsplit("/", 1)[-1]
    return ""


@bp.route("/cohorts/<int:cohort_id>/paper/sheet/<token>", methods=["GET", "POST"])
@role_required(Role.trainer)
def paper_sheet(cohort_id: int, token: str):
    """Type in one paper sheet: every question numbered as printed, its boxes as printed, and
    "left blank". Saved, it is the judge's attempt; saved again with the same answers it
    changes nothing; with other answers, the trainer confirms the correction first."""
    cohort, course = load_cohort_or_404(cohort_id)
    ref = paper.read_token(current_app.config["SECRET_KEY"], token)
    member = (
        db.session.scalar(
            select(CohortMember).where(
                CohortMember.id == ref.member_id, CohortMember.cohort_id == cohort.id
            )
        )
        if ref is not None and ref.cohort_id == cohort.id
        else None
    )
    if member is None:  # an altered code, another cohort's sheet, or a judge who left
        return _unknown_sheet(cohort, course)
    judge = db.session.get(User, member.user_id)
    try:
        sheet = paper.compose_sheet(db.session, course, member, ref.kind)
    except paper.PaperRefused as refused:
        flash(_refusal_message(refused.reason), "error")
        return redirect(url_for("cohorts.paper_entry", cohort_id=cohort.id))
    questions = sheet.questions(course)
    form = PaperAnswersForm()
    context = {
        "cohort": cohort,
        "course": course,
        "judge": judge,
        "sheet": sheet,
        "questions": questions,
        "widgets": {q.question.id: item_type(q.question).widget for q in questions},
        "form": form,
        "token": token,
        "language": course_language(course),
        "lessons_left": (
            paper.lessons_left(db.session, course, member.enrolment_id) if ref.kind == "post" else 0
        ),
    }
    if sheet.version != ref.version:
        return render_template("cohorts/paper_sheet.html", stale=True, **context), 409
    try:
        entered = paper.entered_attempt(db.session, sheet)
    except paper.PaperRefused as refused:
        return render_template(
            "cohorts/paper_sheet.html", refusal=_refusal_message(refused.reason), **context
        )
    stored = {}
    if entered is not None:
        stored = {r.question_id: r.selected_keys for r in responses_of(db.session, entered.id)}
    if request.method == "GET":
        return render_template(
            "cohorts/paper_sheet.html", entered=entered, selected=stored, **context
        )
    if not form.validate_on_submit():
        return render_template(
            "cohorts/paper_sheet.html",
            entered=entered,
            selected=stored,
            error=_("The form had expired, so nothing was saved. Please type the answers again."),
            **context,
        ), 400
    orders = {q.question.id: q.order for q in questions}
    typed = MultiDict(
        [(key, value) for key, value in request.form.items(multi=True) if value != BLANK]
    )
    try:
        answers = read_answers(typed, [q.question for q in questions], orders)
        with force_locale(_judge_language(judge)):  # a certificate earned prints in theirs
            result = paper.enter_sheet(
                db.session,
                cohort,
                course,
                sheet,
                answers,
                current_user,
                utcnow(),
                confirmed=form.confirmed.data == "1",
            )
    except (BadAnswer, paper.PaperRefused) as bad:
        db.session.rollback()
        message = str(bad) if isinstance(bad, BadAnswer) else _refusal_message(bad.reason)
        return render_template(
            "cohorts/paper_sheet.html",
            entered=entered,
            selected=stored,
            error=message,
            **context,
        ), 422
    name = judge.certificate_name
    if result.outcome == "differs":
        return render_template(
            "cohorts/paper_sheet.html",
            entered=entered,
            selected=answers,
            differs=result.changed,
            **context,
        ), 409
    if result.outcome == "unchanged":
        flash(
            _("This sheet was already entered, with these same answers: nothing changed."), "info"
        )
    elif result.outcome == "entered":
        flash(
            _(
                "The sheet of %(name)s is entered: %(score)s.",
                name=name,
                score=percent(result.attempt.score or 0),
            ),
            "success",
        )
    else:
        flash(
            _(
                "The sheet of %(name)s is corrected (questions %(numbers)s): %(score)s.",
                name=name,
                numbers=", ".join(map(str, result.changed)),
                score=percent(result.attempt.score or 0),
            ),
            "success",
        )
        if result.pass_withdrawn:
            flash(
                _(
                    "The corrected sheet is no longer a pass. A certificate already issued on it "
                    "stands until an admin revokes it."
                ),
                "info",
            )
    return redirect(
        url_for("cohorts.paper_entry", cohort_id=cohort.id, after=member.id, kind=sheet.kind)
    )
