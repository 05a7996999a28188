"""The admin's register of certificates: the list, filtered by holder, course, cohort, status and
the days they were issued (kept across pages), and the same list as CSV."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import render_template, request
from flask_babel import gettext as _
from sqlalchemy import func, select

from elearning import codes
from elearning.accounts.access import role_required
from elearning.accounts.models import Role
from elearning.catalog import get_catalog
from elearning.certificates import bp, groups, register
from elearning.certificates.admin_views import bulk_form, cohort_issue_form
from elearning.certificates.models import Certificate, CertificateRequest, NameCorrection
from elearning.extensions import db
from elearning.sqltypes import utcnow
from elearning.web.downloads import attachment
from elearning.web.pagination import PER_PAGE, current_page
from elearning.web.tables import to_csv

STATUSES = ("valid", "revoked", "superseded")
EXPORT_LIMIT = 50_000  # rows of one CSV: the whole register of a large platform


@dataclass
class ListArgs:
    """The list's query arguments as given (for the form and the page links) and as applied."""

    args: dict[str, str]
    applied: register.RegisterFilter
    cohort: groups.CohortChoice | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def is_filtered(self) -> bool:
        return any(self.args.values())


def _day(raw: str) -> date | None:
    """A day typed as YYYY-MM-DD (what a date input sends); None when it is not one."""
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return None
    return day if 1900 <= day.year <= 9998 else None


def _dates(args: dict[str, str], problems: list[str]) -> tuple[date | None, date | None]:
    """The issued-from and -to days; a bad one is ignored and said so, and blanked in the
    form."""
    days = {}
    for key, label in (("issued_from", _("Issued from")), ("issued_to", _("Issued to"))):
        days[key] = _day(args[key]) if args[key] else None
        if args[key] and days[key] is None:
            problems.append(
                _("“%(field)s” is not a date (use YYYY-MM-DD): it was ignored.", field=label)
            )
            args[key] = ""
    return days["issued_from"], days["issued_to"]


def list_args() -> ListArgs:
    """Read the list's filters; values that are not valid are dropped (a bad date with a
    message saying so)."""
    names = ("q", "status", "course", "cohort", "issued_from", "issued_to")
    args = {name: request.args.get(name, "")[:200].strip() for name in names}
    if args["status"] not in STATUSES:
        args["status"] = ""
    if get_catalog().course(args["course"]) is None:
        args["course"] = ""
    cohort = groups.cohort_choice(db.session, args["cohort"])
    args["cohort"] = str(cohort.id) if cohort is not None else ""
    problems: list[str] = []
    issued_from, issued_to = _dates(args, problems)
    applied = register.RegisterFilter(
        query=args["q"],
        status=args["status"],
        course=args["course"],
        enrolments=groups.cohort_links().enrolments(cohort.id) if cohort is not None else None,
        issued_from=issued_from,
        issued_to=issued_to,
    )
    return ListArgs(args=args, applied=applied, cohort=cohort, problems=problems)


def _queue_counts() -> tuple[int, int]:
    waiting = db.session.scalar(select(func.count()).select_from(CertificateRequest)) or 0
    corrections = (
        db.session.scalar(
            select(func.count())
            .select_from(NameCorrection)
            .where(NameCorrection.status == "pending")
        )
        or 0
    )
    return waiting, corrections


@bp.route("/admin/certificates")
@role_required(Role.admin)
def admin_list():
    """Every certificate: search by name, code or serial; filter by course, cohort, status
    and the days they were issued."""
    filters = list_args()
    page = db.paginate(
        register.search_certificates(filters.applied),
        page=current_page(),
        per_page=PER_PAGE,
        error_out=False,
    )
    waiting, corrections = _queue_counts()
    return render_template(
        "certificates/admin_list.html",
        certificates=page.items,
        total=page.total,
        page=page.page,
        per_page=PER_PAGE,
        filters=filters,
        args={key: value for key, value in filters.args.items() if value},
        courses=get_catalog().courses,
        cohorts=groups.cohort_links().choices(db.session),
        waiting=waiting,
        corrections=corrections,
        bulk=bulk_form(),
        cohort_issue=cohort_issue_form(),
        display=codes.display,
    )


@bp.route("/admin/certificates/export.csv")
@role_required(Role.admin)
def admin_export():
    """The list as filtered, as CSV (UTF-8 with BOM, formulas neutralised)."""
    filters = list_args()
    certificates = db.session.scalars(
        register.search_certificates(filters.applied).limit(EXPORT_LIMIT)
    ).all()
    cohorts = groups.cohort_links().names(
        db.session, {c.enrolment_id for c in certificates if c.enrolment_id is not None}
    )
    header = [
        _("Serial"), _("Holder"), _("Course"), _("Edition"), _("Score (%)"), _("Hours"),
        _("Issued at (UTC)"), _("Status"), _("Reason for revocation"), _("Cohorts"),
    ]  # fmt: skip
    rows = (
        [
            c.serial,
            c.holder_name,
            c.course_title,
            c.content_version,
            round(c.score, 1),
            c.hours,
            c.issued_at,
            _status_word(c),
            c.revoked_reason or "",
            "; ".join(cohorts.get(c.enrolment_id, [])),
        ]
        for c in certificates
    )
    return attachment(to_csv(header, rows), f"certificates-{utcnow().date()}.csv", "text/csv")


def _status_word(certificate: Certificate) -> str:
    return {"valid": _("Valid"), "revoked": _("Revoked"), "superseded": _("Superseded")}[
        certificate.status
    ]
