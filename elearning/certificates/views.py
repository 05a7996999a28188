"""Certificate pages: the learner's certificates, and public verification.

Who may see what: a certificate's PDF only its holder and admins (anyone else gets the same 404
as for a certificate that does not exist); the verification page and API anyone, with no login,
showing only the public facts. The admin's tools are in ``admin_views``, ``queue_views`` and
``register_views``.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import undefer

from elearning import codes
from elearning.accounts.forms import ConfirmForm
from elearning.accounts.models import Role
from elearning.catalog import get_catalog
from elearning.certificates import (
    adapters,
    bp,
    changes,
    groups,
    register,
    renewal,
    services,
    signing,
)
from elearning.certificates.forms import (
    CheckCredentialForm,
    CheckPdfForm,
    NameCorrectionForm,
    VerifyCodeForm,
)
from elearning.certificates.messages import refusal
from elearning.certificates.models import Certificate, CertificateRequest, NameCorrection
from elearning.certificates.transcript import transcript_of
from elearning.extensions import db, limiter
from elearning.learning.models import Enrolment
from elearning.pdf import render_pdf
from elearning.sqltypes import utcnow

PRINT_CSS = Path(__file__).resolve().parent.parent / "static" / "report-print.css"
PREPARING = timedelta(minutes=1)  # a certificate owed this recently is still being rendered


def certificate_preparing(enrolment_id: int) -> bool:
    """Whether the enrolment's certificate is owed, recently, in a course that issues it by
    itself: its job is rendering it (a template global, for the results page of a pass)."""
    owed = db.session.scalar(
        select(CertificateRequest).where(
            CertificateRequest.enrolment_id == enrolment_id,
            CertificateRequest.requested_at >= utcnow() - PREPARING,
        )
    )
    course = get_catalog().course(owed.course_slug) if owed is not None else None
    return course is not None and course.certificate.issuing == "automatic"


# --- learner ------------------------------------------------------------------------------------


@bp.route("/certificates")
@login_required
def mine():
    """The learner's certificates, those waiting, and what to do with each."""
    certificates = db.session.scalars(
        select(Certificate)
        .where(Certificate.user_id == current_user.id)
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    ).all()
    waiting = db.session.scalars(
        select(CertificateRequest)
        .join(Enrolment, Enrolment.id == CertificateRequest.enrolment_id)
        .where(Enrolment.user_id == current_user.id)
        .order_by(CertificateRequest.requested_at)
    ).all()
    ids = [c.id for c in certificates]
    corrections = {
        c.certificate_id: c
        for c in db.session.scalars(
            select(NameCorrection)
            .where(NameCorrection.certificate_id.in_(ids))
            .order_by(NameCorrection.requested_at)
        )
    }
    catalog = get_catalog()
    recently = utcnow() - PREPARING
    attendance = groups.cohort_links().attendance_shortfalls(
        db.session, [r.enrolment_id for r in waiting]
    )
    preparing = any(
        r.requested_at >= recently
        and r.enrolment_id not in attendance
        and (course := catalog.course(r.course_slug)) is not None
        and course.certificate.issuing == "automatic"
        for r in waiting
    )
    now = utcnow()
    return render_template(
        "certificates/mine.html",
        now=now,
        renewable={
            c.id
            for c in renewal.renewable_certificates(
                db.session, current_user.id, catalog.course, now
            )
        },
        preparing=preparing,
        attendance=attendance,
        certificates=certificates,
        waiting=[(r, catalog.course(r.course_slug)) for r in waiting],
        corrections=corrections,
        verify_url=adapters.verify_url,
        display=codes.display,
        button=ConfirmForm(),
    )


@bp.route("/certificates/claim/<int:enrolment_id>", methods=["POST"])
@login_required
def claim(enrolment_id: int):
    """Issue the learner's own certificate in a course that issues automatically (when it was
    not issued at once, e.g. an attempt closed by the clock)."""
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None or enrolment.user_id != current_user.id:
        abort(404)
    course = get_catalog().course(enrolment.course_slug)
    if not ConfirmForm().validate_on_submit():
        flash(_("The form had expired. Please press the button again."), "error")
        return redirect(url_for("certificates.mine"))
    if course is None or course.certificate.issuing != "automatic":
        abort(403)
    try:
        certificate = adapters.fulfil(enrolment.id)
    except services.CertificateRefused as refused:
        db.session.rollback()
        flash(refusal(refused.reason), "error")
        return redirect(url_for("certificates.mine"))
    if certificate is not None:
        flash(_("Your certificate is ready."), "success")
    return redirect(url_for("certificates.mine"))


def _own_or_admin(certificate_id: int, *, with_pdf: bool = False) -> Certificate:
    """The certificate, when the signed-in user holds it or is an admin; 404 otherwise (the
    same answer as for a certificate that does not exist)."""
    query = select(Certificate).where(Certificate.id == certificate_id)
    if with_pdf:
        query = query.options(undefer(Certificate.pdf))
    certificate = db.session.scalar(query)
    if certificate is None:
        abort(404)
    if certificate.user_id != current_user.id and not current_user.has_role(Role.admin):
        abort(404)
    return certificate


@bp.route("/certificates/<int:certificate_id>/certificate.pdf")
@login_required
def download(certificate_id: int):
    """The stored PDF, exactly as issued (its SHA-256 is the ETag)."""
    certificate = _own_or_admin(certificate_id, with_pdf=True)
    response = make_response(certificate.pdf)
    response.mimetype = "application/pdf"
    filename = f"certificate-{codes.display(certificate.code)}.pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, max-age=86400"
    response.set_etag(certificate.pdf_sha256)
    return response.make_conditional(request)


@bp.route("/certificates/<int:certificate_id>/name", methods=["GET", "POST"])
@login_required
def correct_name(certificate_id: int):
    """The holder asks for another name on a certificate; an admin decides."""
    certificate = _own_or_admin(certificate_id)
    if certificate.user_id != current_user.id:
        abort(404)
    form = NameCorrectionForm(data={"name": certificate.holder_name})
    if certificate.status != "valid":
        flash(_("Only a valid certificate can be corrected."), "error")
        return redirect(url_for("certificates.mine"))
    if form.validate_on_submit():
        try:
            changes.request_name_correction(
                db.session,
                certificate,
                name=form.name.data,
                note=form.note.data or "",
                now=utcnow(),
            )
        except services.CertificateRefused as refused:
            db.session.rollback()
            form.name.errors = [*form.name.errors, refusal(refused.reason)]
        else:
            flash(
                _("Your request is sent. An administrator will issue a corrected certificate."),
                "success",
            )
            return redirect(url_for("certificates.mine"))
    return render_template(
        "certificates/correct_name.html", certificate=certificate, form=form, display=codes.display
    )


# --- public verification -----------------------------------------------------------------------


def _verify_limit() -> str:
    return current_app.config["VERIFY_RATE_LIMIT"]


verify_limit = limiter.shared_limit(_verify_limit, scope="verify")


@bp.route("/verify")
@verify_limit
def verify_form():
    """Type a certificate's code."""
    form = VerifyCodeForm(request.args)
    if request.args and form.validate():
        code = codes.normalise(form.code.data)
        if code is not None:
            return redirect(url_for("certificates.verify", code=code))
        form.code.errors = [*form.code.errors, _("No certificate has this code.")]
    page = render_template(
        "certificates/verify_form.html", form=form, credential_form=CheckCredentialForm()
    )
    return page, (404 if form.code.errors and request.args else 200)


@bp.route("/verify/<code>", methods=["GET", "POST"])
@verify_limit
def verify(code: str):
    """A certificate's public facts; a PDF uploaded here is checked against the one issued."""
    certificate = services.find_by_code(db.session, code[:64])
    if certificate is None:
        form = VerifyCodeForm(data={"code": code[:40]})
        page = render_template(
            "certificates/verify_form.html",
            form=form,
            not_found=True,
            credential_form=CheckCredentialForm(),
        )
        return page, 404
    if code != certificate.code:
        return redirect(url_for("certificates.verify", code=certificate.code))
    facts = register.public_facts(db.session, certificate)
    form = CheckPdfForm()
    match = signature = None
    if form.validate_on_submit():
        uploaded = form.pdf.data.read()
        match = services.sha256(uploaded) == facts.pdf_sha256
        if match:  # the issued file: say whether it carries its own proof too
            signature = signing.check_signature(uploaded, adapters.pdf_signing())
    return render_template(
        "certificates/verify.html",
        facts=facts,
        form=form,
        match=match,
        signature=signature,
        display=codes.display,
    ), (400 if form.errors else 200)


@bp.route("/api/verify/<code>")
@verify_limit
def verify_api(code: str):
    """The public facts as JSON; 404 ``{"status": "not-found"}`` for any unknown code."""
    certificate = services.find_by_code(db.session, code[:64])
    if certificate is None:
        return jsonify(status="not-found"), 404
    response = jsonify(register.public_facts(db.session, certificate).as_json())
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


# --- transcript ---------------------------------------------------------------------------------


@bp.route("/certificates/transcript")
@login_required
def transcript():
    """The judge's continuing-education transcript: certificates, hours by year and category."""
    return render_template(
        "certificates/transcript.html", transcript=transcript_of(db.session, current_user.id)
    )


@bp.route("/certificates/transcript.pdf")
@login_required
def transcript_pdf():
    """The transcript as a PDF, rendered now (it changes with each certificate)."""
    html = render_template(
        "certificates/transcript_pdf.html",
        transcript=transcript_of(db.session, current_user.id),
        holder=current_user.certificate_name,
        issuer=current_app.config["CERTIFICATE_ISSUER"],
        generated_on=utcnow(),
    )
    response = make_response(render_pdf(html, PRINT_CSS.read_text(encoding="utf-8")))
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = 'attachment; filename="transcript.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
