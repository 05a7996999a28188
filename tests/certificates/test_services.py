"""Certificates through the services: eligibility, a frozen record, revocation, corrections."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from elearning import codes
from elearning.accounts.models import User
from elearning.assessments import services as assessments
from elearning.audit.models import AuditEvent
from elearning.catalog import get_catalog
from elearning.certificates import changes, issuance, services
from elearning.config import ROOT
from elearning.extensions import db
from elearning.learning import services as learning
from elearning.sqltypes import utcnow
from tests.helpers import pdf_text

DESIGNS = ROOT / "certificates"


def verify_url(code: str) -> str:
    return f"https://ethics.example.org/verify/{code}"


ISSUING = services.Issuing(
    issuer="Judicial Ethics e-Learning", design_root=DESIGNS, verify_url=verify_url
)


@pytest.fixture
def course(app_ctx):
    return get_catalog().course("sample")


@pytest.fixture
def judge(create_user):
    return create_user(email="judge@example.org", name="Judge Amara Okafor")


@pytest.fixture
def admin(create_user):
    from elearning.accounts.models import Role

    return create_user(email="admin@example.org", role=Role.admin)


@pytest.fixture
def enrolment(course, judge):
    enrolment = learning.enrol(db.session, judge.id, course)
    db.session.commit()
    return enrolment


def complete_lessons(course, enrolment) -> None:
    for lesson in course.lessons:
        learning.mark_complete(db.session, enrolment, lesson, course.content_version)
    db.session.commit()


def pass_final(course, enrolment) -> None:
    now = utcnow()
    current = assessments.standing(db.session, course, enrolment.id, True, now)
    attempt = assessments.start_attempt(db.session, course, enrolment.id, "post", current, now)
    responses = assessments.responses_of(db.session, attempt.id)
    for position, entry_id in enumerate(assessments.entry_order(responses)):
        entry = course.bank.entries[entry_id]
        answers = {q.id: q.correct_keys for q in entry.questions}
        assessments.save_answers(db.session, course, attempt, position, answers, now)
    assessments.submit_attempt(db.session, course, attempt, now)
    db.session.commit()


def issue(course, enrolment, name="Judge Amara Okafor", **extra):
    certificate = issuance.issue_certificate(
        db.session,
        course,
        enrolment,
        holder_name=name,
        issuing=ISSUING,
        **extra,
    )
    db.session.commit()
    return certificate


def test_a_certificate_needs_every_lesson_and_a_passed_final_assessment(course, enrolment):
    with pytest.raises(services.CertificateRefused):
        issue(course, enrolment)
    complete_lessons(course, enrolment)
    assert not services.eligibility(db.session, course, enrolment.id).is_eligible
    pass_final(course, enrolment)
    assert services.eligibility(db.session, course, enrolment.id).is_eligible
    certificate = issue(course, enrolment)
    assert certificate.status == "valid" and certificate.score == 100.0
    assert issue(course, enrolment).id == certificate.id  # issuing again: the same one


def test_the_record_is_frozen_with_its_pdf_and_hash(course, enrolment, judge):
    complete_lessons(course, enrolment)
    pass_final(course, enrolment)
    certificate = issue(course, enrolment)
    assert codes.normalise(certificate.code) == certificate.code
    assert certificate.serial == f"{certificate.issued_at:%Y}-{certificate.id:06d}"
    assert services.sha256(certificate.pdf) == certificate.pdf_sha256
    text = pdf_text(certificate.pdf)
    assert "Judge Amara Okafor" in text and codes.display(certificate.code) in text
    judge.certificate_name = "Someone Else"
    db.session.commit()
    db.session.expire_all()
    again = services.find_by_code(db.session, codes.display(certificate.code).lower())
    assert again.holder_name == "Judge Amara Okafor"
    assert "Judge Amara Okafor" in pdf_text(again.pdf)
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "certificate.issue" in actions


def test_unknown_and_malformed_codes_find_nothing(course, enrolment):
    assert services.find_by_code(db.session, "not a code") is None
    assert services.find_by_code(db.session, codes.display(codes.new_code())) is None


def test_revocation_keeps_the_record_and_says_why(course, enrolment, admin):
    complete_lessons(course, enrolment)
    pass_final(course, enrolment)
    certificate = issue(course, enrolment)
    changes.revoke_certificate(
        db.session, certificate, actor=admin, reason="Issued in error", now=utcnow()
    )
    db.session.commit()
    assert certificate.status == "revoked" and certificate.revoked_reason == "Issued in error"
    with pytest.raises(services.CertificateRefused):
        changes.revoke_certificate(
            db.session, certificate, actor=admin, reason="again", now=utcnow()
        )
    assert services.current_certificate(db.session, enrolment.id) is None


def test_an_approved_name_correction_supersedes_the_old_certificate(course, enrolment, admin):
    complete_lessons(course, enrolment)
    pass_final(course, enrolment)
    old = issue(course, enrolment)
    now = utcnow() + timedelta(days=1)
    correction = changes.request_name_correction(
        db.session, old, name="Judge Amara N. Okafor", note="Middle initial", now=now
    )
    with pytest.raises(services.CertificateRefused):  # one request at a time
        changes.request_name_correction(db.session, old, name="Other", note="", now=now)
    new = changes.decide_name_correction(
        db.session,
        correction,
        course,
        approve=True,
        actor=admin,
        note="Checked against the appointment decree",
        issuing=ISSUING,
        now=now,
    )
    db.session.commit()
    assert old.status == "superseded" and old.superseded_by_id == new.id
    # The profile bears the corrected name: a later replacement or certificate keeps it.
    assert db.session.get(User, old.user_id).certificate_name == "Judge Amara N. Okafor"
    approved = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "certificate.name_correction_approved")
    )
    assert approved.details["note"] == "Checked against the appointment decree"
    assert new.status == "valid" and new.holder_name == "Judge Amara N. Okafor"
    assert new.code != old.code and "Judge Amara N. Okafor" in pdf_text(new.pdf)
    assert services.current_certificate(db.session, enrolment.id).id == new.id
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert {"certificate.name_correction_requested", "certificate.reissue"} <= set(actions)
