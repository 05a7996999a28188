"""The registrar's tools: the approval queue's decisions (reject, hold, approve with the name
edited), filtering by cohort, bulk issue to a cohort, and the register's filters and CSV."""

from __future__ import annotations

import csv
import html
import io
import re
import shutil
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from elearning.accounts.models import Role, User
from elearning.audit.models import AuditEvent
from elearning.catalog import get_catalog
from elearning.certificates.models import Certificate, CertificateRejection, CertificateRequest
from elearning.cohorts import services as cohorts
from elearning.extensions import db
from tests.helpers import (
    FIXTURE_CONTENT,
    Mailbox,
    browser_for,
    certificates_of,
    csrf_token_of,
    db_enrolment,
    earn,
    pdf_text,
)

QUEUE = "/admin/certificates/requests"


@pytest.fixture
def world(make_app, tmp_path: Path, create_user):
    """A course that waits for approval; Amara and Boris in the cohort "Abuja 2026", Carol
    (who reads French) in none; all three passed and wait in the queue."""
    root = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, root)
    course = root / "courses/sample/course.yaml"
    course.write_text(course.read_text() + "certificate:\n  issuing: approval\n")
    app = make_app(CONTENT_DIR=str(root))
    create_user(email="admin@example.org", role=Role.admin, name="Registrar")
    create_user(email="amara@example.org", name="Judge Amara Okafor")
    create_user(email="boris@example.org", name="Judge Boris Ivanov")
    create_user(email="carol@example.org", name="Juge Carole Martin", preferred_language="fr")
    for email in ("amara", "boris", "carol"):
        earn(app, f"{email}@example.org")
    with app.app_context():
        sample = get_catalog().course("sample")
        admin = db.session.scalar(select(User).where(User.email == "admin@example.org"))
        cohort = cohorts.create_cohort(
            db.session,
            course=sample,
            details=cohorts.CohortDetails(name="Abuja 2026"),
            creator=admin,
        )
        for email in ("amara", "boris"):
            judge = db.session.scalar(select(User).where(User.email == f"{email}@example.org"))
            cohorts.join_cohort(db.session, cohort, judge.id, sample, "code")
        db.session.commit()
        app.config["TEST_COHORT_ID"] = cohort.id
    return app


def request_of(app, email: str) -> int | None:
    with app.app_context():
        return db.session.scalar(
            select(CertificateRequest.id).where(
                CertificateRequest.enrolment_id == db_enrolment(app, email)
            )
        )


def decide(admin, decision: str, *emails_ids: int, **fields):
    data = {"csrf_token": csrf_token_of(admin, QUEUE), "decision": decision, **fields}
    data["requests"] = [str(i) for i in emails_ids]
    return admin.post(f"{QUEUE}/decide", data=data)


def actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_a_rejection_needs_a_reason_tells_the_judge_and_is_not_issued_by_a_bulk_run(world):
    app, admin = world, browser_for(world, "admin@example.org")
    carol = request_of(app, "carol@example.org")
    refused = decide(admin, "reject", carol)
    assert "the reason is required" in admin.get(refused.headers["Location"]).text
    assert request_of(app, "carol@example.org") == carol  # nothing written
    reason = "The attempt was taken by someone else."
    asked = decide(admin, "reject", carol, reason=reason)  # asks first, changes nothing
    assert asked.status_code == 200 and "Reject the certificate of 1 judge?" in asked.text
    assert 'name="confirmed" value="yes"' in asked.text and reason in asked.text
    assert f'name="requests" value="{carol}"' in asked.text
    assert request_of(app, "carol@example.org") == carol
    done = decide(admin, "reject", carol, reason=reason, confirmed="yes")
    assert "1 request rejected" in admin.get(done.headers["Location"]).text
    assert request_of(app, "carol@example.org") is None
    assert "Juge Carole Martin" not in admin.get(QUEUE).text
    assert "certificate.request_rejected" in actions(app)
    [mail] = Mailbox(Path(app.config["MAIL_DIR"])).to("carol@example.org")
    assert "n’a pas été délivré" in mail["Subject"]  # in her language
    assert "The attempt was taken by someone else." in mail.get_content()
    # The rejected pass earns nothing when the course's certificates are issued in bulk.
    admin.post(
        "/admin/certificates/issue",
        data={"csrf_token": csrf_token_of(admin, "/admin/certificates"), "course": "sample"},
    )
    assert certificates_of(app, "carol@example.org") == []
    assert len(certificates_of(app, "amara@example.org")) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CertificateRejection)) == 1


def test_a_held_request_stays_listed_is_skipped_by_bulk_issue_and_can_be_approved(world):
    app, admin = world, browser_for(world, "admin@example.org")
    boris = request_of(app, "boris@example.org")
    decide(admin, "hold", boris, reason="Identity to be checked with the court.")
    queue = admin.get(QUEUE).text
    assert "On hold" in queue and "Identity to be checked with the court." in queue
    admin.post(
        "/admin/certificates/issue",
        data={"csrf_token": csrf_token_of(admin, "/admin/certificates"), "course": "sample"},
    )
    assert certificates_of(app, "boris@example.org") == []  # the bulk run passed it over
    assert "Judge Boris Ivanov" in admin.get(QUEUE).text
    mine = browser_for(app, "boris@example.org").get("/certificates").text
    assert "The academy is checking it before it is issued" in mine
    assert "Identity to be checked" not in mine  # the reason is the academy's own
    done = decide(admin, "approve", boris)
    assert "1 certificate issued" in admin.get(done.headers["Location"]).text
    assert len(certificates_of(app, "boris@example.org")) == 1
    assert {"certificate.request_held", "certificate.request_approved"} <= set(actions(app))


def test_the_name_edited_in_the_queue_is_printed_recorded_and_reaches_the_profile(world):
    app, admin = world, browser_for(world, "admin@example.org")
    amara = request_of(app, "amara@example.org")
    bad = decide(admin, "approve", amara, **{f"name-{amara}": "=HYPERLINK(1)"})
    assert "cannot be printed" in admin.get(bad.headers["Location"]).text
    assert certificates_of(app, "amara@example.org") == []
    decide(admin, "approve", amara, **{f"name-{amara}": "  Hon. Justice Amara N.  Okafor "})
    [certificate] = certificates_of(app, "amara@example.org")
    assert certificate.holder_name == "Hon. Justice Amara N. Okafor"
    with app.app_context():
        pdf = db.session.get(Certificate, certificate.id).pdf
        holder = db.session.scalar(select(User).where(User.email == "amara@example.org"))
        edited = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "certificate.request_name_edited")
        )
    assert "Hon. Justice Amara N. Okafor" in pdf_text(pdf)
    assert holder.certificate_name == "Hon. Justice Amara N. Okafor"
    assert edited.details["old_name"] == "Judge Amara Okafor"


def test_the_queue_filters_by_cohort_and_links_to_the_judges_evidence(world):
    app, admin = world, browser_for(world, "admin@example.org")
    cohort_id = app.config["TEST_COHORT_ID"]
    page = admin.get(f"{QUEUE}?cohort={cohort_id}").text
    assert "Judge Amara Okafor" in page and "Juge Carole Martin" not in page
    assert f'href="/admin/certificates/requests?cohort={cohort_id}">Select none' in page
    evidence = re.findall(rf'href="(/cohorts/{cohort_id}/members/\d+/attempts/\d+)"', page)
    assert len(evidence) == 2
    assert admin.get(evidence[0]).status_code == 200
    assert "Juge Carole Martin" in admin.get(f"{QUEUE}?cohort=abc").text  # ignored


def test_bulk_issue_to_a_cohort_counts_first_then_issues_its_members_only(world):
    app, admin = world, browser_for(world, "admin@example.org")
    cohort_id = str(app.config["TEST_COHORT_ID"])
    form = {"csrf_token": csrf_token_of(admin, "/admin/certificates"), "cohort": cohort_id}
    asked = admin.post("/admin/certificates/issue/cohort", data=form)
    assert "Issue 2 certificates" in asked.text and certificates_of(app, "amara@example.org") == []
    run = admin.post("/admin/certificates/issue/cohort", data={**form, "confirmed": "yes"})
    assert "2 certificates issued" in admin.get(run.headers["Location"]).text
    assert len(certificates_of(app, "boris@example.org")) == 1
    assert certificates_of(app, "carol@example.org") == []


def test_the_register_filters_by_cohort_and_dates_and_exports_the_list_as_csv(world, monkeypatch):
    from elearning.certificates import register_views

    monkeypatch.setattr(register_views, "PER_PAGE", 1)
    app, admin = world, browser_for(world, "admin@example.org")
    ids = [request_of(app, f"{n}@example.org") for n in ("amara", "carol")]
    decide(admin, "approve", *ids)
    [carol] = certificates_of(app, "carol@example.org")
    admin.post(
        f"/admin/certificates/{carol.id}/revoke",
        data={
            "csrf_token": csrf_token_of(admin, f"/admin/certificates/{carol.id}"),
            "reason": "=cmd|' /C calc'!A0",
            "confirmed": "yes",
        },
    )
    cohort_id = app.config["TEST_COHORT_ID"]
    listed = admin.get(f"/admin/certificates?cohort={cohort_id}").text
    assert "Judge Amara Okafor" in listed and "Juge Carole Martin" not in listed
    today, yesterday = date.today(), date.today() - timedelta(days=1)
    bad = admin.get("/admin/certificates?issued_from=2026-13-45").text
    assert "is not a date" in bad and "Juge Carole Martin" in bad  # ignored, said so
    first = admin.get(f"/admin/certificates?issued_from={today}&course=sample").text
    [following] = re.findall(r'href="([^"]*)" rel="next"', first)  # one certificate a page
    kept = parse_qs(urlsplit(html.unescape(following)).query)
    assert kept == {"page": ["2"], "issued_from": [str(today)], "course": ["sample"]}
    none = admin.get(f"/admin/certificates?issued_to={yesterday}&status=revoked").text
    assert "No certificate matches." in none
    export = admin.get(f"/admin/certificates/export.csv?status=revoked&issued_to={today}")
    assert export.mimetype == "text/csv" and export.data.startswith(b"\xef\xbb\xbf")
    header, *rows = list(csv.reader(io.StringIO(export.data.decode("utf-8-sig"))))
    assert header[0] == "Serial" and header[-1] == "Cohorts"
    assert [row[1] for row in rows] == ["Juge Carole Martin"]
    assert rows[0][7] == "Revoked" and rows[0][8].startswith("'=cmd")  # no formula
    cohort_csv = admin.get(f"/admin/certificates/export.csv?cohort={cohort_id}").data
    [amara] = list(csv.reader(io.StringIO(cohort_csv.decode("utf-8-sig"))))[1:]
    assert amara[1] == "Judge Amara Okafor" and amara[-1] == "Abuja 2026"
