"""The certificate ceremony, for the cohort's trainers: every certificate that stands in one PDF
for the print shop, the list of names the presiding judge reads out, and the e-mail telling the
judges their certificates are ready."""

from __future__ import annotations

import re
from pathlib import Path

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from elearning.accounts.access import role_required
from elearning.accounts.forms import ConfirmForm
from elearning.accounts.models import Role
from elearning.cohorts import bp, ceremony
from elearning.cohorts.access import load_cohort_or_404
from elearning.cohorts.models import Cohort
from elearning.extensions import db
from elearning.i18n import LANGUAGE_NAMES
from elearning.pdf import concatenate_pdfs, render_pdf
from elearning.sqltypes import utcnow
from elearning.web.downloads import attachment

NAMES_STYLESHEET = Path(__file__).resolve().parent.parent / "static" / "ceremony-print.css"


def _order() -> str:
    """The ``order`` argument: "name" (the default, and for anything unknown) or "serial"."""
    order = request.args.get("order", "name")
    return order if order in ceremony.ORDERS else "name"


def alphabet_of(cohort: Cohort) -> str:
    """The ``alphabet`` argument (a language whose readers' order the names follow), or by
    default the language most of the cohort's judges chose, else the page's language."""
    alphabet = request.args.get("alphabet", "")
    if alphabet in LANGUAGE_NAMES:
        return alphabet
    chosen = ceremony.judges_language(db.session, cohort.id)
    return chosen or str(get_locale() or "en").split("_")[0]


def _standing_or_back(cohort: Cohort, order: str):
    """The certificates to hand out, or None after telling the trainer there are none yet."""
    standing = ceremony.standing_certificates(db.session, cohort.id, order, alphabet_of(cohort))
    if not standing:
        flash(_("No certificate of this cohort's judges stands yet."), "info")
    return standing or None


def _file_name(cohort: Cohort, what: str) -> str:
    """The cohort's name as a file name: letters of any script, digits, hyphens."""
    name = re.sub(r"[^\w-]+", "-", cohort.name, flags=re.UNICODE).strip("-")[:80]
    return f"{name or f'cohort-{cohort.id}'}-{what}.pdf"


@bp.route("/cohorts/<int:cohort_id>/ceremony/certificates.pdf")
@role_required(Role.trainer)
def ceremony_certificates(cohort_id: int):
    """Every certificate that stands, one after the other in one PDF for the print shop, each
    page as issued; by family name (``order=name``) in the alphabet of a language
    (``alphabet=ru``: Cyrillic names first, А→Я), or by serial (``order=serial``)."""
    cohort, _course = load_cohort_or_404(cohort_id)
    standing = _standing_or_back(cohort, _order())
    if standing is None:
        return redirect(url_for("cohorts.roster", cohort_id=cohort.id, _anchor="ceremony"))
    pdfs = ceremony.certificate_pdfs(db.session, [c.id for c in standing])
    return attachment(concatenate_pdfs(pdfs), _file_name(cohort, "certificates"), "application/pdf")


@bp.route("/cohorts/<int:cohort_id>/ceremony/names.pdf")
@role_required(Role.trainer)
def ceremony_names(cohort_id: int):
    """The names to read out, as the certificates print them, numbered, in the order of the
    certificates PDF, in large type."""
    cohort, course = load_cohort_or_404(cohort_id)
    standing = _standing_or_back(cohort, _order())
    if standing is None:
        return redirect(url_for("cohorts.roster", cohort_id=cohort.id, _anchor="ceremony"))
    html = render_template(
        "cohorts/ceremony_names_pdf.html",
        cohort=cohort,
        course=course,
        certificates=standing,
        today=utcnow().date(),
    )
    pdf = render_pdf(html, NAMES_STYLESHEET.read_text(encoding="utf-8"))
    return attachment(pdf, _file_name(cohort, "names"), "application/pdf")


@bp.route("/cohorts/<int:cohort_id>/ceremony/notice", methods=["GET", "POST"])
@role_required(Role.trainer)
def ceremony_notice(cohort_id: int):
    """Tell every judge holding a certificate that stands that it is ready, once each: the
    trainer confirms on a page of its own, which says how many will be told."""
    cohort, _course = load_cohort_or_404(cohort_id)
    form = ConfirmForm()
    if request.method == "GET":
        untold = ceremony.untold(db.session, cohort.id)
        standing = ceremony.standing_certificates(db.session, cohort.id)
        return render_template(
            "cohorts/ceremony_notice.html",
            cohort=cohort,
            form=form,
            untold=len(untold),
            standing=len(standing),
        )
    if not form.validate_on_submit():
        abort(400)
    told = ceremony.queue_ready_notices(db.session, cohort, current_user)
    if told:
        message = ngettext(
            "%(num)s judge is told by e-mail that their certificate is ready.",
            "%(num)s judges are told by e-mail that their certificates are ready.",
            told,
        )
    else:
        message = _("Every judge holding a certificate has already been told.")
    flash(message, "success" if told else "info")
    return redirect(url_for("cohorts.ceremony_notice", cohort_id=cohort.id))
