"""Validity periods, expiry reminders, renewal and the transcript of hours."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from elearning.assessments import services as assessments
from elearning.certificates import adapters, register, renewal, validity
from elearning.certificates.models import Certificate
from elearning.certificates.tasks import send_expiry_reminders
from elearning.certificates.transcript import counted, summarise
from elearning.demo import take_assessment
from elearning.extensions import db
from elearning.learning import services as learning
from elearning.outbox.models import OutboxMessage
from elearning.sqltypes import utcnow
from tests.helpers import ALWAYS_RIGHT, pdf_text


@pytest.fixture
def course(app_ctx, monkeypatch):
    """The sample course, its certificate valid a year (as the whole app sees it)."""
    from elearning.catalog import get_catalog

    catalog = get_catalog()
    sample = catalog.course("sample")
    rules = dataclasses.replace(
        sample.certificate, valid_months=12, remind_days=(60, 14), hours=6.0, category="ethics"
    )
    valid = dataclasses.replace(sample, certificate=rules)
    original = type(catalog).course
    monkeypatch.setattr(
        type(catalog),
        "course",
        lambda self, slug: valid if slug == "sample" else original(self, slug),
    )
    return valid


@pytest.fixture
def enrolment(course, create_user):
    judge = create_user(email="judge@example.org", name="Judge Amara Okafor")
    enrolment = learning.enrol(db.session, judge.id, course)
    for lesson in course.lessons:
        learning.mark_complete(db.session, enrolment, lesson, course.content_version)
    db.session.commit()
    return enrolment


def pass_final(course, enrolment) -> None:
    """Pass the final; the pass's job issues (or renews) the certificate."""
    take_assessment(
        db.session, course, enrolment.id, "post", ALWAYS_RIGHT, random.Random(1), utcnow()
    )
    db.session.commit()


def earned(course, enrolment) -> Certificate:
    pass_final(course, enrolment)
    return db.session.scalar(select(Certificate).where(Certificate.enrolment_id == enrolment.id))


def test_months_are_added_as_a_calendar_does():
    assert validity.add_months(datetime(2027, 1, 31, tzinfo=UTC), 1) == datetime(
        2027, 2, 28, tzinfo=UTC
    )
    assert validity.add_months(datetime(2026, 12, 7, tzinfo=UTC), 36).year == 2029


def test_a_certificate_states_its_validity_and_hours_and_expires(course, enrolment):
    certificate = earned(course, enrolment)
    assert certificate.valid_until.date() == validity.add_months(certificate.issued_at, 12).date()
    assert certificate.category == "ethics"
    text = " ".join(pdf_text(certificate.pdf).split())
    assert "valid until" in text
    assert "continuing judicial education (Judicial ethics)" in text
    current = register.public_facts(db.session, certificate).as_json()
    assert current["status"] == "valid" and "expired_on" not in current
    later = certificate.valid_until + timedelta(days=1)
    expired = register.public_facts(db.session, certificate, now=later).as_json()
    assert expired["status"] == "expired"
    assert expired["expired_on"] == certificate.valid_until.date().isoformat()


def test_each_reminder_is_sent_once_and_never_for_a_certificate_that_no_longer_stands(
    course, enrolment
):
    certificate = earned(course, enrolment)
    until = certificate.valid_until
    assert send_expiry_reminders(db.session, until - timedelta(days=61)) == 0
    assert send_expiry_reminders(db.session, until - timedelta(days=59)) == 1
    assert send_expiry_reminders(db.session, until - timedelta(days=58)) == 0
    assert send_expiry_reminders(db.session, until - timedelta(days=13)) == 1
    assert send_expiry_reminders(db.session, until - timedelta(days=1)) == 0
    db.session.commit()
    sent = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "certificate_expiring")
    ).all()
    assert [m.context.get("days") for m in sent] in ([60, 14], [None, None])
    assert all(m.recipient == "judge@example.org" for m in sent)

    certificate.reminded_days = None
    certificate.revoked_at = utcnow()
    db.session.commit()
    assert send_expiry_reminders(db.session, until - timedelta(days=13)) == 0


def test_a_pass_in_the_renewal_window_issues_a_certificate_that_supersedes_the_old(
    course, enrolment
):
    old = earned(course, enrolment)
    now = utcnow()
    current = assessments.standing(db.session, course, enrolment.id, True, now)
    assert current.post_availability.state == "passed"  # not yet in the window

    old.valid_until = now + timedelta(days=10)  # the first reminder is past
    db.session.commit()
    current = assessments.standing(db.session, course, enrolment.id, True, now)
    assert current.post_availability.state == "available"
    assert [
        c.id
        for c in renewal.renewable_certificates(
            db.session, enrolment.user_id, lambda _slug: course, now
        )
    ] == [old.id]

    pass_final(course, enrolment)  # the pass's job renews the certificate
    issuing = adapters.issuing()
    db.session.refresh(old)
    new = db.session.get(Certificate, old.superseded_by_id)
    assert old.status == "superseded" and new is not None
    assert new.status == "valid" and new.attempt_id != old.attempt_id
    assert new.valid_until > old.valid_until
    assert renewal.renew(db.session, course, old, issuing=issuing, now=utcnow()) is None
    assert renewal.renew(db.session, course, new, issuing=issuing, now=utcnow()) is None
    # Both passes count on the transcript: a renewal is study done again.
    assert len(counted([old, new])) == 2


def test_the_transcript_totals_hours_by_year_and_category():
    def cert(id_, attempt, year, hours, category, revoked=False):
        return Certificate(
            id=id_,
            attempt_id=attempt,
            completed_at=datetime(year, 3, 1, tzinfo=UTC),
            hours=hours,
            category=category,
            revoked_at=datetime(year, 4, 1, tzinfo=UTC) if revoked else None,
        )

    certificates = [
        cert(1, 10, 2025, 12.0, "ethics"),
        cert(2, 10, 2025, 12.0, "ethics"),  # a name correction of the same pass: counted once
        cert(3, 11, 2026, 7.5, "ethics"),
        cert(4, 12, 2026, 4.0, None),
        cert(5, 13, 2026, 30.0, "ethics", revoked=True),
    ]
    transcript = summarise(counted(certificates))
    assert [c.id for c in transcript.certificates] == [4, 3, 2]
    assert transcript.by_year == [(2026, 11.5), (2025, 12.0)]
    assert transcript.by_category == [("ethics", 19.5), (None, 4.0)]
    assert transcript.total_hours == 23.5


def test_a_renewal_whose_job_was_lost_is_found_by_the_sweeper(course, enrolment):
    old = earned(course, enrolment)
    old.valid_until = utcnow() + timedelta(days=10)
    db.session.commit()
    from elearning.certificates import tasks

    with pytest.MonkeyPatch.context() as queue_down:
        queue_down.setattr(tasks, "renew_certificate", lambda *args: None)
        pass_final(course, enrolment)
    assert renewal.renewals_owed(db.session) == [old.id]
    tasks.remind_expiring.call_local()
    db.session.expire_all()
    assert db.session.get(Certificate, old.id).status == "superseded"
    assert renewal.renewals_owed(db.session) == []
    renewed = db.session.scalar(select(Certificate).where(Certificate.superseded_by_id.is_(None)))
    assert renewed.valid_until > old.valid_until


def test_a_name_correction_keeps_the_expiry_of_the_pass_it_corrects(course, enrolment):
    from elearning.certificates import issuance

    old = earned(course, enrolment)
    corrected = issuance.issue_certificate(
        db.session,
        course,
        enrolment,
        holder_name="Judge Amara N. Okafor",
        issuing=adapters.issuing(),
        now=utcnow() + timedelta(days=30),
        replaces=old,
    )
    db.session.commit()
    assert corrected.valid_until == old.valid_until
