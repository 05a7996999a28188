"""The cohort report's PDF leaves the request: a job renders it once, a stalled rendering is
asked for again, and every host serves the copy kept in the database."""

from datetime import timedelta
from pathlib import Path

from sqlalchemy import update

from elearning.accounts.models import Role, User
from elearning.catalog import get_catalog
from elearning.cohorts import services as cohorts
from elearning.cohorts import tasks
from elearning.cohorts.models import ReportDocument
from elearning.extensions import db
from elearning.sqltypes import utcnow
from tests.helpers import browser_for


def test_a_stalled_rendering_is_asked_for_again_and_a_job_run_twice_renders_once(
    make_app, create_user, monkeypatch, tmp_path: Path
):
    # Jobs wait in their queue with no worker, as when a worker was killed mid-job.
    app = make_app(JOBS_URL=f"sqlite:///{tmp_path / 'jobs.db'}")
    trainer = create_user(email="trainer@example.org", role=Role.trainer)
    with app.app_context():
        cohort = cohorts.create_cohort(
            db.session,
            course=get_catalog().course("sample"),
            details=cohorts.CohortDetails(name="Intake"),
            creator=db.session.get(User, trainer.id),
        )
        db.session.commit()
        cohort_id = cohort.id
    renders = []
    monkeypatch.setattr(
        tasks, "render_report_pdf", lambda html: renders.append(html) or b"%PDF-1.7 report"
    )
    browser = browser_for(app, trainer.email)
    url = f"/cohorts/{cohort_id}/report.pdf"
    assert browser.get(url).status_code == 202
    assert browser.get(url).status_code == 202  # under way: not asked for twice
    with app.app_context():
        document = db.session.get(ReportDocument, (cohort_id, "en", "full"))
        asked_at = document.requested_at
        assert document.rendered_at is None and renders == []
        # Five minutes on and still nothing: the rendering is asked for again.
        db.session.execute(
            update(ReportDocument).values(requested_at=utcnow() - timedelta(minutes=10))
        )
        db.session.commit()
    assert browser.get(url).status_code == 202
    with app.app_context():
        assert db.session.get(ReportDocument, (cohort_id, "en", "full")).requested_at > asked_at
        tasks.render_report.call_local(cohort_id, "en")
        tasks.render_report.call_local(cohort_id, "en")  # Huey's retry of a finished job
    assert len(renders) == 1 and "Intake" in renders[0]
    served = browser.get(url)
    assert served.status_code == 200 and served.data == b"%PDF-1.7 report"
