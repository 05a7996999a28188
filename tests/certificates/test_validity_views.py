"""Expiry on the verification page, API and command line; the transcript page and PDF."""

from __future__ import annotations

from datetime import timedelta

from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import update

from elearning.certificates.models import Certificate
from elearning.extensions import db
from elearning.sqltypes import utcnow
from tests.helpers import issued_to, pdf_text


def expire(app, certificate_id: int, days_ago: int = 3) -> None:
    with app.app_context():
        db.session.execute(
            update(Certificate)
            .where(Certificate.id == certificate_id)
            .values(valid_until=utcnow() - timedelta(days=days_ago), hours=12.0, category="ethics")
        )
        db.session.commit()


def test_an_expired_certificate_is_authentic_but_no_longer_current(app, create_user):
    from elearning.cli import main

    client, certificate = issued_to(app, create_user)
    expire(app, certificate.id)
    page = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "Expired" in page and "is authentic, but it expired on" in page
    api = client.get(f"/api/verify/{certificate.code}").get_json()
    assert api["status"] == "expired" and api["expired_on"] == api["valid_until"]
    verify = CliRunner().invoke(
        main, ["certificates", "verify", certificate.code], obj=ScriptInfo(create_app=lambda: app)
    )
    assert verify.exit_code == 1 and "EXPIRED" in verify.output
    assert "authentic, no longer current" in verify.output
    mine = client.get("/certificates").get_data(as_text=True)
    assert "Expired on" in mine and "/assessment/post" in mine  # the Renew link


def test_the_transcript_totals_the_judges_hours_on_the_page_and_in_the_pdf(app, create_user):
    client, certificate = issued_to(app, create_user)
    expire(app, certificate.id, days_ago=-100)  # current, with hours and a category
    page = client.get("/certificates/transcript").get_data(as_text=True)
    year = str(certificate.completed_at.year)
    assert "Judicial ethics" in page and year in page and certificate.serial in page
    response = client.get("/certificates/transcript.pdf")
    assert response.mimetype == "application/pdf"
    text = " ".join(pdf_text(response.data).split())
    assert "Transcript of continuing judicial education" in text
    assert f"{year} 12" in text and "Judge Amara Okafor" in text
    other = issued_to(app, create_user, email="other@example.org", name="Judge Other")[0]
    assert certificate.serial not in other.get("/certificates/transcript").get_data(as_text=True)
