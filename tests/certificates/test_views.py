"""Certificates over HTTP: issue on pass, the learner's page, the PDF, public verification,
the admin's queue, bulk issue, revocation, reissue and name corrections; and who may do what."""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import subprocess
from datetime import timedelta
from html import unescape
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from elearning import codes
from elearning.accounts.models import Role
from elearning.assessments.models import Attempt
from elearning.audit.models import AuditEvent
from elearning.certificates.models import Certificate, CertificateRequest, NameCorrection
from elearning.config import DEVELOPMENT_BASE_URL, ROOT
from elearning.extensions import db
from elearning.jobs import huey
from elearning.sqltypes import utcnow
from tests.helpers import (
    FIXTURE_CONTENT,
    POST,
    answer_all,
    browser_for,
    certificates_of,
    complete_lessons,
    csrf_token_of,
    db_enrolment,
    earn,
    issued_to,
    page_count,
    pdf_text,
    right_answers,
    start,
)


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def token(client, path: str) -> str:
    return csrf_token_of(client, path)


@pytest.fixture
def admin(app, create_user):
    create_user(email="admin@example.org", role=Role.admin, name="Registrar Admin")
    return browser_for(app, "admin@example.org")


@pytest.fixture
def approval(make_app, tmp_path: Path):
    """An app whose sample course waits for an admin to approve each certificate."""
    root = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, root)
    course = root / "courses/sample/course.yaml"
    course.write_text(course.read_text() + "certificate:\n  issuing: approval\n")
    return make_app(CONTENT_DIR=str(root))


@pytest.fixture
def no_worker(app, make_app, tmp_path: Path):
    """An app whose background jobs wait in their queue (a SQLite file) with no worker to run
    them, as when the job worker is down: a pass owes its certificate and nothing issues it."""
    return make_app(JOBS_URL=f"sqlite:///{tmp_path / 'jobs.db'}")


# --- the learner's path ------------------------------------------------------------------------


def test_passing_the_final_assessment_issues_the_certificate_at_once(client, app, enrolled):
    complete_lessons(app)
    assert "no certificate yet" in client.get("/certificates").text
    answer_all(client, app, start(client, POST), right=True)
    [certificate] = certificates_of(app, "judge@example.org")
    assert certificate.status == "valid" and certificate.holder_name == enrolled.certificate_name
    page = client.get("/certificates").text
    assert "Valid" in page and "Download the PDF" in page
    # At the configured public address, never the request's host.
    link = f"{app.config['BASE_URL']}/verify/{certificate.code}"
    assert f'value="{link}"' in page and codes.display(certificate.code) in page
    pdf = client.get(f"/certificates/{certificate.id}/certificate.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert "attachment" in pdf.headers["Content-Disposition"]
    assert hashlib.sha256(pdf.data).hexdigest() == certificate.pdf_sha256
    text = pdf_text(pdf.data)
    assert enrolled.certificate_name in text and f"{app.config['BASE_URL']}/verify/" in text
    assert certificate.code in "".join(text.split())
    again = client.get(
        f"/certificates/{certificate.id}/certificate.pdf",
        headers={"If-None-Match": f'"{certificate.pdf_sha256}"'},
    )
    assert again.status_code == 304
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CertificateRequest)) == 0


ACADEMY_LOGO = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40">'
    '<rect width="120" height="40" fill="#1f3a5f"/></svg>'
)


def test_an_academys_design_prints_its_logo_signatories_and_the_courses_hours(
    make_app, tmp_path, create_user
):
    """An academy's own design (in its content folder) names who signs, with a signature
    image and a title in the holder's language, shows its logo, and the course decides the hours
    stated and that the score is not printed; the verification page states the hours too."""
    from PIL import Image

    root = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, root)
    course = root / "courses/sample/course.yaml"
    course.write_text(course.read_text() + "certificate:\n  hours: 7.5\n  show_score: false\n")
    design = root / "certificates" / "default"
    shutil.copytree(ROOT / "certificates" / "default", design)
    (design / "assets" / "logo.svg").write_text(ACADEMY_LOGO)
    Image.new("RGB", (300, 80), "white").save(design / "assets" / "signature.png")
    (design / "design.yaml").write_text(
        "logo: assets/logo.svg\n"
        "signatories:\n"
        "  - name: Justice Amina Rahman\n"
        "    title: {en: Director of the Academy, fr: Directrice de l'Académie}\n"
        "    signature: assets/signature.png\n"
        "  - name: Judge Paul Mensah\n"
        "    title: Head of Training\n"
    )
    app = make_app(CONTENT_DIR=str(root))
    create_user(email="amara@example.org", name="Judge Amara Okafor", preferred_language="fr")
    earn(app, "amara@example.org")
    [certificate] = certificates_of(app, "amara@example.org")
    with app.app_context():
        pdf = db.session.get(Certificate, certificate.id).pdf
    text = " ".join(pdf_text(pdf).split())
    assert "Justice Amina Rahman" in text and "Directrice de l'Académie" in text
    assert "Judge Paul Mensah" in text and "Head of Training" in text  # no French: English
    assert "7,5" in text and "heures" in text  # the hours, as French writes them
    assert "%" not in text  # the score is not printed
    images = subprocess.run(  # noqa: S603 - poppler on our own PDF
        ["/usr/bin/pdfimages", "-list", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    assert "image     300    80" in images  # the signature, drawn
    verify = app.test_client().get(f"/verify/{certificate.code}").text
    assert "Hours of study" in verify and "7.5" in verify
    api = app.test_client().get(f"/api/verify/{certificate.code}").get_json()
    assert api["hours"] == 7.5


def test_failing_earns_nothing(client, app, enrolled):
    complete_lessons(app)
    answer_all(client, app, start(client, POST), right=False)
    assert certificates_of(app, "judge@example.org") == []
    assert count(app, CertificateRequest) == 0
    assert "no certificate yet" in client.get("/certificates").text


def test_a_pass_recorded_on_a_get_is_issued_by_the_job_too(client, app, enrolled):
    """An attempt closed by the clock is scored while serving a page (a GET): the pass is
    recorded, and the background job issues the certificate as for a submit."""
    complete_lessons(app)
    first = start(client, POST)
    attempt_id = int(re.search(r"/attempts/(\d+)/", first).group(1))
    base = first.rsplit("/", 1)[0]
    for number in range(1, page_count(app, attempt_id) + 1):
        saved = client.post(
            f"{base}/{number}",
            data={
                "csrf_token": token(client, f"{base}/{number}"),
                "go": "stay",
                **right_answers(app, attempt_id, number),
            },
        )
        assert saved.status_code == 302
    with app.app_context():
        db.session.execute(
            update(Attempt)
            .where(Attempt.id == attempt_id)
            .values(deadline_at=utcnow() - timedelta(hours=1))
        )
        db.session.commit()
    assert client.get(POST).status_code == 200  # the GET that closes it by the clock
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.status == "submitted"
        assert attempt.is_passed and attempt.closed_by == "time"
    [certificate] = certificates_of(app, "judge@example.org")
    assert certificate.attempt_id == attempt_id
    assert count(app, CertificateRequest) == 0
    assert "Download the PDF" in client.get("/certificates").text


def test_a_certificate_whose_job_was_lost_is_issued_once_by_the_sweeper(no_worker, create_user):
    """A worker killed while rendering takes its job with it: the pass stays owed, the judge is
    told it is being prepared, the sweeper queues the job again once it is overdue, and the lost
    job, delivered late after all, changes nothing."""
    from elearning.certificates import tasks

    app = no_worker
    create_user(email="amara@example.org", name="Judge Amara Okafor")
    enrolment_id = earn(app, "amara@example.org")
    assert certificates_of(app, "amara@example.org") == [] and huey.pending_count() == 1
    lost = huey.dequeue()  # taken by a worker that was then killed
    judge = browser_for(app, "amara@example.org")
    with app.app_context():
        attempt_id = db.session.scalar(select(CertificateRequest.attempt_id))
    results = judge.get(f"/courses/sample/assessment/attempts/{attempt_id}/results").text
    assert "It is being prepared" in results and 'http-equiv="refresh"' in results

    with app.app_context():
        tasks.sweep_owed.call_local()  # owed a moment ago: its job may still be running
        assert huey.pending_count() == 0
        db.session.execute(
            update(CertificateRequest).values(requested_at=utcnow() - timedelta(minutes=3))
        )
        db.session.commit()
        tasks.sweep_owed.call_local()
        assert huey.pending_count() == 1
        huey.execute(huey.dequeue())
        huey.execute(lost)
        tasks.sweep_owed.call_local()
        assert huey.pending_count() == 0
    [certificate] = certificates_of(app, "amara@example.org")
    assert certificate.enrolment_id == enrolment_id and certificate.status == "valid"
    results = judge.get(f"/courses/sample/assessment/attempts/{attempt_id}/results").text
    assert "It is being prepared" not in results and 'http-equiv="refresh"' not in results


def test_nobody_else_gets_a_learners_pdf(app, create_user, admin):
    create_user(email="amara@example.org", name="Judge Amara Okafor")
    create_user(email="boris@example.org", name="Judge Boris Ivanov")
    create_user(email="trainer@example.org", role=Role.trainer)
    earn(app, "amara@example.org")
    amara = browser_for(app, "amara@example.org")
    amara.post(
        f"/certificates/claim/{db_enrolment(app, 'amara@example.org')}",
        data={"csrf_token": token(amara, "/certificates")},
    )
    [certificate] = certificates_of(app, "amara@example.org")
    url = f"/certificates/{certificate.id}/certificate.pdf"
    assert amara.get(url).status_code == 200
    assert admin.get(url).status_code == 200
    for other in ("boris@example.org", "trainer@example.org"):
        assert browser_for(app, other).get(url).status_code == 404
    assert (
        browser_for(app, "boris@example.org")
        .get(f"/certificates/{certificate.id + 1}/certificate.pdf")
        .status_code
        == 404
    )
    anonymous = app.test_client().get(url)
    assert anonymous.status_code == 302 and "/signin" in anonymous.headers["Location"]
    boris = browser_for(app, "boris@example.org")
    refused = boris.post(
        f"/certificates/claim/{db_enrolment(app, 'amara@example.org')}",
        data={"csrf_token": token(boris, "/certificates")},
    )
    assert refused.status_code == 404
    assert boris.get(f"/certificates/{certificate.id}/name").status_code == 404


# --- public verification ----------------------------------------------------------------------


def test_verification_is_public_and_shows_only_the_certificates_facts(app, create_user):
    _, certificate = issued_to(app, create_user)
    public = app.test_client()
    page = public.get(f"/verify/{certificate.code}")
    assert page.status_code == 200
    assert "Valid" in page.text and "Judge Amara Okafor" in page.text
    assert certificate.pdf_sha256 in page.text and certificate.course_title in page.text
    assert "amara@example.org" not in page.text and "score" not in page.text.lower()
    api = public.get(f"/api/verify/{certificate.code}")
    assert api.status_code == 200
    assert api.json == {
        "status": "valid",
        "code": codes.display(certificate.code),
        "holder": "Judge Amara Okafor",
        "course": certificate.course_title,
        "issuer": "Judicial Ethics e-Learning",
        "issued_on": certificate.issued_at.date().isoformat(),
        "pdf_sha256": certificate.pdf_sha256,
    }
    typed = codes.display(certificate.code).lower().replace("0", "o")
    redirected = public.get(f"/verify/{typed}")
    assert redirected.status_code == 302
    assert redirected.headers["Location"] == f"/verify/{certificate.code}"
    form = public.get(f"/verify?code={typed}")
    assert form.headers["Location"] == f"/verify/{certificate.code}"


def test_unknown_forged_and_malformed_codes_get_the_same_plain_not_found(app, create_user):
    _, certificate = issued_to(app, create_user)
    public = app.test_client()
    forged = codes.new_code()  # well formed, right check character, never issued
    near = (
        certificate.code[:-2] + ("1" if certificate.code[-2] != "1" else "2") + certificate.code[-1]
    )
    answers = [
        public.get(f"/verify/{code}")
        for code in (forged, near, "not-a-code", "x" * 5000, "<script>", "%00")
    ]
    for answer in answers:
        assert answer.status_code == 404
        assert "No certificate has this code" in answer.text
        assert "Judge Amara" not in answer.text
    for code in (forged, near, "not-a-code"):
        api = public.get(f"/api/verify/{code}")
        assert api.status_code == 404 and api.json == {"status": "not-found"}
    assert public.get("/verify?code=ZZZZ").status_code == 404


def test_an_uploaded_pdf_is_checked_against_the_recorded_hash(app, create_user):
    holder, certificate = issued_to(app, create_user)
    pdf = holder.get(f"/certificates/{certificate.id}/certificate.pdf").data
    public = app.test_client()
    url = f"/verify/{certificate.code}"

    def upload(data: bytes):
        return public.post(
            url,
            data={"csrf_token": token(public, url), "pdf": (io.BytesIO(data), "certificate.pdf")},
            content_type="multipart/form-data",
        )

    assert "its fingerprint matches" in upload(pdf).text
    altered = upload(pdf[:-200] + bytes([pdf[-200] ^ 1]) + pdf[-199:])
    assert "not the certificate issued" in altered.text
    missing = public.post(url, data={"csrf_token": token(public, url)})
    assert missing.status_code == 400 and "Choose the PDF file" in missing.text
    no_token = public.post(url, data={"pdf": (io.BytesIO(pdf), "c.pdf")})
    assert no_token.status_code == 400


def test_verification_is_rate_limited(make_app, create_user):
    app = make_app(VERIFY_RATE_LIMIT="3 per minute")
    public = app.test_client()
    answers = [public.get(f"/api/verify/{codes.new_code()}").status_code for _ in range(4)]
    assert answers == [404, 404, 404, 429]
    assert public.get("/verify/ABCD").status_code == 429  # page and API share the limit


# --- admin: revoke, approve, bulk, reissue, corrections -----------------------------------------


def test_an_admin_revokes_and_the_verification_page_says_why(app, create_user, admin):
    holder, certificate = issued_to(app, create_user)
    create_user(email="trainer@example.org", role=Role.trainer)
    trainer = browser_for(app, "trainer@example.org")
    detail = f"/admin/certificates/{certificate.id}"
    revoke = f"{detail}/revoke"
    reason = "Issued in error: the final assessment was taken by someone else."
    for outsider in (trainer, holder):
        assert outsider.get(detail).status_code == 403
        answer = outsider.post(
            revoke, data={"csrf_token": token(outsider, "/certificates"), "reason": reason}
        )
        assert answer.status_code == 403
    assert admin.get(revoke).status_code == 405
    assert admin.post(revoke, data={"reason": reason}).status_code == 400  # no CSRF token
    empty = admin.post(revoke, data={"csrf_token": token(admin, detail), "reason": " "})
    assert "Say why" in admin.get(empty.headers["Location"]).text
    assert certificates_of(app, "amara@example.org")[0].status == "valid"
    asked = admin.post(revoke, data={"csrf_token": token(admin, detail), "reason": reason})
    assert asked.status_code == 200 and "Revoke the certificate" in asked.text  # asked first
    assert reason in asked.text and 'name="confirmed" value="yes"' in asked.text
    assert certificates_of(app, "amara@example.org")[0].status == "valid"
    done = admin.post(
        revoke, data={"csrf_token": token(admin, detail), "reason": reason, "confirmed": "yes"}
    )
    assert "The certificate is revoked" in admin.get(done.headers["Location"]).text
    page = app.test_client().get(f"/verify/{certificate.code}").text
    assert "Revoked" in page and reason in page
    api = app.test_client().get(f"/api/verify/{certificate.code}").json
    assert api["status"] == "revoked" and api["revocation_reason"] == reason
    assert "revoked" in holder.get("/certificates").text
    with app.app_context():
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "certificate.revoke")
        )
        assert event.details["reason"] == reason and event.actor.email == "admin@example.org"
    # The certificate's history tells it in words, as the audit log does, not by its code.
    history = admin.get(detail).text.partition("<h2>History</h2>")[2]
    words = " ".join(unescape(re.sub("<[^>]+>", " ", history)).split())
    assert f"Registrar Admin revoked certificate {certificate.serial} of Judge Amara" in words
    assert f"(reason: {reason})" in words
    assert f"issued certificate {certificate.serial} to Judge Amara" in words
    assert "certificate.revoke" in admin.get("/admin/audit").text


def test_a_certificate_whose_pass_was_corrected_away_warns_the_admin(app, create_user, admin):
    _holder, certificate = issued_to(app, create_user)
    detail = f"/admin/certificates/{certificate.id}"
    warning = "No passed final assessment stands behind this certificate any more"
    assert warning not in admin.get(detail).text
    with app.app_context():  # as a trainer's corrected paper sheet leaves it
        db.session.execute(
            update(Attempt)
            .where(Attempt.enrolment_id == certificate.enrolment_id, Attempt.kind == "post")
            .values(is_passed=False)
        )
        db.session.commit()
    assert warning in admin.get(detail).text
    with app.app_context():  # once revoked, there is nothing left to decide
        db.session.execute(
            update(Certificate)
            .where(Certificate.id == certificate.id)
            .values(revoked_at=utcnow(), revoked_reason="Issued on a mistyped sheet.")
        )
        db.session.commit()
    assert warning not in admin.get(detail).text


def test_approval_courses_queue_the_certificate_until_an_admin_approves(approval, create_user):
    app = approval
    create_user(email="admin@example.org", role=Role.admin)
    create_user(email="amara@example.org", name="Judge Amara Okafor")
    create_user(email="boris@example.org", name="Judge Boris Ivanov")
    earn(app, "amara@example.org")
    earn(app, "boris@example.org")
    amara = browser_for(app, "amara@example.org")
    mine = amara.get("/certificates").text
    assert "waiting for an administrator" in mine and "Issue my certificate" not in mine
    refused = amara.post(
        f"/certificates/claim/{db_enrolment(app, 'amara@example.org')}",
        data={"csrf_token": token(amara, "/certificates")},
    )
    assert refused.status_code == 403 and count(app, Certificate) == 0
    admin = browser_for(app, "admin@example.org")
    queue = admin.get("/admin/certificates/requests").text
    assert "Judge Amara Okafor" in queue and "Judge Boris Ivanov" in queue
    assert count(app, Certificate) == 0  # opening the queue issues nothing
    assert "Issued after an administrator approves" in queue  # the course's issuing mode
    boxes = re.findall(r'<input type="checkbox" name="requests"[^>]*>', queue)
    assert len(boxes) == 2 and not any("checked" in box for box in boxes)  # nothing pre-ticked
    every = admin.get("/admin/certificates/requests?select=all").text
    assert len(re.findall(r'name="requests"[^>]* checked', every)) == 2
    with app.app_context():
        amara_request = db.session.scalar(
            select(CertificateRequest.id).where(
                CertificateRequest.enrolment_id == db_enrolment(app, "amara@example.org")
            )
        )
    response = admin.post(
        "/admin/certificates/requests/decide",
        data={
            "csrf_token": token(admin, "/admin/certificates/requests"),
            "requests": [str(amara_request)],
            "decision": "approve",
        },
    )
    assert "1 certificate issued" in admin.get(response.headers["Location"]).text
    assert len(certificates_of(app, "amara@example.org")) == 1
    # The audit log tells an approval from a bulk issue.
    log = admin.get("/admin/audit?action=certificate.issue").text
    assert "The system issued certificate" in log and "after approval by" in log
    assert certificates_of(app, "boris@example.org") == []
    assert "Valid" in amara.get("/certificates").text
    nothing = admin.post(
        "/admin/certificates/requests/decide",
        data={"csrf_token": token(admin, "/admin/certificates/requests"), "decision": "approve"},
    )
    assert "Select at least one" in admin.get(nothing.headers["Location"]).text


def test_bulk_issue_gives_every_eligible_learner_one_certificate(
    no_worker, create_user, admin, monkeypatch
):
    """On every core: a run as large as POOL_FROM renders in a pool of processes."""
    from elearning.certificates import tasks

    monkeypatch.setattr(tasks, "POOL_FROM", 2)
    app = no_worker
    for n in range(3):
        create_user(email=f"j{n}@example.org", name=f"Judge Number {n}")
        earn(app, f"j{n}@example.org", passed=n != 2)
    with app.app_context():  # requests lost (e.g. a crash): bulk issue finds them again
        db.session.execute(CertificateRequest.__table__.delete())
        db.session.commit()
    huey.flush()  # and their jobs with them
    data = {"csrf_token": token(admin, "/admin/certificates"), "course": "sample"}
    first = admin.post("/admin/certificates/issue", data=data)
    progress = admin.get(first.headers["Location"]).text  # the job waits for the worker
    assert "0 of 2 certificates issued so far" in progress and 'http-equiv="refresh"' in progress
    with app.app_context():
        while (job := huey.dequeue()) is not None:
            huey.execute(job)
    done = admin.get(first.headers["Location"]).text
    assert "2 certificates issued" in done and 'http-equiv="refresh"' not in done
    assert admin.get("/admin/audit").text.count("in a bulk issue.") == 2
    assert count(app, Certificate) == 2 and certificates_of(app, "j2@example.org") == []
    with app.app_context():
        for pdf, digest, name in db.session.execute(
            select(Certificate.pdf, Certificate.pdf_sha256, Certificate.holder_name)
        ):
            assert hashlib.sha256(pdf).hexdigest() == digest and name in pdf_text(pdf)
    data["csrf_token"] = token(admin, "/admin/certificates")
    again = admin.post("/admin/certificates/issue", data=data)
    assert "Nothing to issue" in admin.get(again.headers["Location"]).text
    assert count(app, Certificate) == 2
    assert (
        admin.post("/admin/certificates/issue", data={**data, "course": "nope"}).status_code == 302
    )
    listing = admin.get("/admin/certificates?status=valid").text
    assert "Judge Number 0" in listing and "Judge Number 1" in listing


def test_a_bulk_run_whose_worker_died_is_finished_by_the_sweeper_once(
    no_worker, create_user, admin, monkeypatch
):
    """A worker killed in the middle of a bulk run keeps the batches it committed; the sweeper
    queues the silent run again, which issues only what is still owed: one certificate each."""
    from elearning.certificates import issuance, tasks
    from elearning.certificates.models import CertificateRun

    app = no_worker
    for n in range(3):
        create_user(email=f"j{n}@example.org", name=f"Judge Number {n}")
        earn(app, f"j{n}@example.org")
    huey.flush()  # the passes' own jobs are lost: only the bulk run issues
    data = {"csrf_token": token(admin, "/admin/certificates"), "course": "sample"}
    page = admin.post("/admin/certificates/issue", data=data).headers["Location"]
    run_id = int(page.rsplit("/", 1)[1])
    huey.flush()  # its job was taken by a worker that is about to die

    class Killed(BaseException):
        pass

    rendered = []
    real_render = issuance.render

    def render_then_die(draft):
        if rendered:
            raise Killed
        rendered.append(draft.enrolment_id)
        return real_render(draft)

    monkeypatch.setattr(tasks, "RUN_BATCH", 1)
    monkeypatch.setattr(issuance, "render", render_then_die)
    with app.app_context(), pytest.raises(Killed):
        tasks.issue_run.call_local(run_id)
    monkeypatch.setattr(issuance, "render", real_render)
    assert count(app, Certificate) == 1
    assert "1 of 3 certificates issued so far" in admin.get(page).text

    with app.app_context():
        tasks.sweep_runs.call_local()  # it beat a moment ago: it may still be running
        assert huey.pending_count() == 0
        db.session.execute(
            update(CertificateRun).values(
                requested_at=utcnow() - timedelta(minutes=5),
                heartbeat_at=utcnow() - timedelta(minutes=3),
            )
        )
        db.session.commit()
        tasks.sweep_runs.call_local()
        huey.execute(huey.dequeue())
        tasks.sweep_runs.call_local()
        assert huey.pending_count() == 0
    with app.app_context():
        per_judge = db.session.execute(
            select(Certificate.enrolment_id, func.count()).group_by(Certificate.enrolment_id)
        ).all()
    assert sorted(n for _, n in per_judge) == [1, 1, 1]
    assert "3 certificates issued" in admin.get(page).text


def test_a_revoked_learner_is_not_reissued_by_bulk_issue(app, create_user, admin):
    _, certificate = issued_to(app, create_user)
    detail = f"/admin/certificates/{certificate.id}"
    admin.post(
        f"{detail}/revoke",
        data={"csrf_token": token(admin, detail), "reason": "Fraud", "confirmed": "yes"},
    )
    admin.post(
        "/admin/certificates/issue",
        data={"csrf_token": token(admin, "/admin/certificates"), "course": "sample"},
    )
    assert [c.status for c in certificates_of(app, "amara@example.org")] == ["revoked"]
    reissued = admin.post(
        f"{detail}/reissue", data={"csrf_token": token(admin, detail), "name": "Judge A. Okafor"}
    )
    assert reissued.status_code == 302
    old, new = certificates_of(app, "amara@example.org")
    assert old.status == "revoked" and old.superseded_by_id == new.id and new.status == "valid"
    assert "Judge A. Okafor" in pdf_text(admin.get(f"/certificates/{new.id}/certificate.pdf").data)


def test_a_name_correction_is_approved_and_supersedes_the_old_certificate(app, create_user, admin):
    holder, old = issued_to(app, create_user)
    url = f"/certificates/{old.id}/name"
    long = holder.post(url, data={"csrf_token": token(holder, url), "name": "A" * 20_000})
    assert long.status_code == 200 and "at most 200 characters" in long.text
    same = holder.post(url, data={"csrf_token": token(holder, url), "name": "Judge Amara Okafor"})
    assert "already printed" in same.text
    assert count(app, NameCorrection) == 0
    markup = '<b>Judge</b> Amara "Ngozi" Okafor & <script>alert(1)</script>'
    sent = holder.post(
        url, data={"csrf_token": token(holder, url), "name": markup, "note": "My full name"}
    )
    assert sent.status_code == 302
    assert "waiting for a decision" in holder.get("/certificates").text
    page = admin.get("/admin/certificates/corrections").text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    with app.app_context():
        correction_id = db.session.scalar(select(NameCorrection.id))
    decide = f"/admin/certificates/corrections/{correction_id}"
    prefix = f"c{correction_id}-"

    def decision(value: str):
        page = admin.get("/admin/certificates/corrections").text
        found = re.search(rf'name="{prefix}csrf_token" type="hidden" value="([^"]+)"', page)
        csrf_token = found[1] if found else token(admin, "/admin/certificates")
        return admin.post(
            decide,
            data={
                f"{prefix}csrf_token": csrf_token,
                f"{prefix}decision": value,
                f"{prefix}note": "Checked against the appointment decree",
            },
        )

    done = decision("approve")
    assert "corrected certificate is issued" in admin.get(done.headers["Location"]).text
    mine = holder.get("/certificates").text
    assert "was approved" in mine and "Checked against the appointment decree" in mine
    assert "&lt;script&gt;" in mine and "<script>alert(1)</script>" not in mine
    old, new = certificates_of(app, "amara@example.org")
    assert old.status == "superseded" and new.holder_name == markup
    printed = pdf_text(holder.get(f"/certificates/{new.id}/certificate.pdf").data)
    assert "".join(markup.split()) in "".join(printed.split())  # as text, however it wraps
    verify_old = app.test_client().get(f"/verify/{old.code}").text
    assert "Superseded" in verify_old and f"/verify/{new.code}" in verify_old
    assert app.test_client().get(f"/api/verify/{old.code}").json["superseded_by"] == (
        codes.display(new.code)
    )
    again = decision("approve")
    assert "already decided" in admin.get(again.headers["Location"]).text
    assert len(certificates_of(app, "amara@example.org")) == 2


def test_rejecting_a_name_correction_asks_first_and_tells_the_holder(app, create_user, admin):
    holder, old = issued_to(app, create_user)
    url = f"/certificates/{old.id}/name"
    holder.post(url, data={"csrf_token": token(holder, url), "name": "Judge Nobody Else"})
    with app.app_context():
        correction_id = db.session.scalar(select(NameCorrection.id))
    prefix = f"c{correction_id}-"
    page = admin.get("/admin/certificates/corrections").text
    csrf_token = re.search(rf'name="{prefix}csrf_token" type="hidden" value="([^"]+)"', page)[1]
    data = {
        f"{prefix}csrf_token": csrf_token,
        f"{prefix}decision": "reject",
        f"{prefix}note": "The decree of appointment gives the name as printed.",
    }
    decide = f"/admin/certificates/corrections/{correction_id}"
    asked = admin.post(decide, data=data)
    assert asked.status_code == 200 and "Reject the name correction of" in asked.text
    assert f'name="{prefix}confirmed" value="yes"' in asked.text
    assert "waiting for a decision" in holder.get("/certificates").text  # nothing decided yet
    done = admin.post(decide, data={**data, f"{prefix}confirmed": "yes"})
    assert "The request is rejected" in admin.get(done.headers["Location"]).text
    mine = holder.get("/certificates").text
    assert "was declined" in mine and "The decree of appointment" in mine
    assert [c.holder_name for c in certificates_of(app, "amara@example.org")] == [
        "Judge Amara Okafor"
    ]


def test_admin_pages_are_for_admins_only(app, create_user, admin):
    _, certificate = issued_to(app, create_user)
    create_user(email="trainer@example.org", role=Role.trainer)
    trainer = browser_for(app, "trainer@example.org")
    learner = browser_for(app, "amara@example.org")
    pages = [
        "/admin/certificates",
        "/admin/certificates/requests",
        "/admin/certificates/corrections",
        f"/admin/certificates/{certificate.id}",
    ]
    for page in pages:
        assert admin.get(page).status_code == 200
        assert trainer.get(page).status_code == 403
        assert learner.get(page).status_code == 403
        assert app.test_client().get(page).status_code == 302
    assert admin.get("/admin/certificates/999999").status_code == 404
    for action in (
        "/admin/certificates/issue",
        "/admin/certificates/requests/decide",
        f"/admin/certificates/{certificate.id}/reissue",
    ):
        answer = trainer.post(
            action,
            data={"csrf_token": token(trainer, "/certificates"), "course": "sample", "name": "X"},
        )
        assert answer.status_code == 403
    assert count(app, Certificate) == 1


# --- the command line ---------------------------------------------------------------------------


def test_the_cli_issues_in_bulk_and_verifies(make_app, create_user, tmp_path):
    from click.testing import CliRunner
    from flask.cli import ScriptInfo

    from elearning.cli import main

    app = make_app(JOBS_URL=f"sqlite:///{tmp_path / 'jobs.db'}")  # no worker: only owed
    for n in range(3):
        create_user(email=f"j{n}@example.org", name=f"Judge Number {n}")
        earn(app, f"j{n}@example.org")

    def run(*args, **config):
        app.config.update(config)
        return CliRunner().invoke(main, list(args), obj=ScriptInfo(create_app=lambda: app))

    local = run(
        "certificates", "issue", "--course", "sample", "--dry-run", BASE_URL=DEVELOPMENT_BASE_URL
    )
    assert "set ELEARNING_BASE_URL" in local.output  # the QR codes would point to this machine
    assert run("certificates", "issue", "--course", "nope").exit_code == 1
    dry = run(
        "certificates",
        "issue",
        "--course",
        "sample",
        "--dry-run",
        BASE_URL="https://ethics.example.org",
    )
    assert "3 learner(s)" in dry.output and count(app, Certificate) == 0
    done = run("certificates", "issue", "--course", "sample", "--jobs", "2")
    assert done.exit_code == 0, done.output
    assert "Issued 3 certificate(s)" in done.output and count(app, Certificate) == 3
    certificate = certificates_of(app, "j0@example.org")[0]
    text = pdf_text(get_pdf(app, certificate.id))
    assert "https://ethics.example.org/verify/" in text and certificate.code in text
    assert "Nobody" in run("certificates", "issue", "--course", "sample").output
    ok = run("certificates", "verify", codes.display(certificate.code).lower())
    assert ok.exit_code == 0 and "VALID" in ok.output and "Judge Number 0" in ok.output
    pdf = tmp_path / "c.pdf"
    pdf.write_bytes(get_pdf(app, certificate.id))
    checked = run("certificates", "verify", certificate.code, "--pdf", str(pdf)).output
    assert "matches" in checked
    assert "valid, by Test Academy (this platform's key), over the whole file" in checked
    signed = pdf.read_bytes()
    at = signed.index(b"stream", len(signed) // 4) + 40
    pdf.write_bytes(signed[:at] + bytes([signed[at] ^ 1]) + signed[at + 1 :])
    altered = run("certificates", "verify", certificate.code, "--pdf", str(pdf))
    assert altered.exit_code == 1 and "BROKEN: the file was changed after" in altered.output
    pdf.write_bytes(b"%PDF-1.7 forged")
    forged = run("certificates", "verify", certificate.code, "--pdf", str(pdf))
    assert forged.exit_code == 1 and "DOES NOT MATCH" in forged.output
    missing = run("certificates", "verify", codes.new_code())
    assert missing.exit_code == 1 and "Not found" in missing.output


def get_pdf(app, certificate_id: int) -> bytes:
    with app.app_context():
        return db.session.get(Certificate, certificate_id).pdf


# --- abuse: GETs, double clicks, bad names ---------------------------------------------------


def snapshot(app) -> tuple[int, ...]:
    return tuple(
        count(app, model) for model in (Certificate, CertificateRequest, NameCorrection, AuditEvent)
    )


def test_no_get_issues_or_changes_anything(app, create_user, admin):
    holder, certificate = issued_to(app, create_user)
    create_user(email="boris@example.org", name="Judge Boris Ivanov")
    earn(app, "boris@example.org")  # owed, not yet issued: a GET must not issue it
    holder.post(
        f"/certificates/{certificate.id}/name",
        data={"csrf_token": token(holder, "/certificates"), "name": "Judge A. N. Okafor"},
    )
    before = snapshot(app)
    boris = browser_for(app, "boris@example.org")
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("certificates.")]
    for rule in rules:
        url = re.sub(r"<int:\w+>", str(certificate.id), rule.rule)
        url = url.replace("<code>", certificate.code)
        for client in (admin, holder, boris):
            answer = client.get(url)
            if "GET" in rule.methods:
                assert answer.status_code in {200, 302, 403, 404}, url
            else:
                assert answer.status_code == 405, url
    assert snapshot(app) == before


def test_two_clicks_at_once_issue_one_certificate(app, create_user):
    import threading

    create_user(email="amara@example.org", name="Judge Amara Okafor")
    enrolment_id = earn(app, "amara@example.org")
    client = browser_for(app, "amara@example.org")
    csrf_token = token(client, "/certificates")
    barrier = threading.Barrier(2)
    answers: list[int] = []

    def press() -> None:
        with app.test_client() as browser:
            cookie = client.get_cookie("elearning_session")
            browser.set_cookie(cookie.key, cookie.value, domain=cookie.domain)
            barrier.wait()
            answers.append(
                browser.post(
                    f"/certificates/claim/{enrolment_id}", data={"csrf_token": csrf_token}
                ).status_code
            )

    threads = [threading.Thread(target=press) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [302, 302]
    assert len(certificates_of(app, "amara@example.org")) == 1
    assert count(app, CertificateRequest) == 0
    with app.app_context():
        issued = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "certificate.issue")
        ).all()
        assert len(issued) == 1


def test_names_that_cannot_be_printed_are_refused_before_anything_is_written(
    app, create_user, admin
):
    holder, certificate = issued_to(app, create_user)
    detail = f"/admin/certificates/{certificate.id}"
    url = f"/certificates/{certificate.id}/name"
    before = snapshot(app)
    for name in ("A" * 20_000, "Judge \u202eronaA", "   ", "Judge\x00Null"):
        answer = holder.post(url, data={"csrf_token": token(holder, url), "name": name})
        assert answer.status_code == 200 and 'class="error"' in answer.text, name
        reissue = admin.post(
            f"{detail}/reissue", data={"csrf_token": token(admin, detail), "name": name}
        )
        assert reissue.status_code == 302
    assert snapshot(app) == before
