"""What many test modules share: the test password and content, reading CSRF tokens, signing
in and out, the mailbox, and the steps of the learner's path. Fixtures are in conftest.py."""

from __future__ import annotations

import email
import email.policy
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, text

from elearning.accounts.models import User
from elearning.assessments import services as assessments
from elearning.assessments.logic import option_order
from elearning.assessments.models import Attempt, Response
from elearning.catalog import get_catalog
from elearning.certificates.models import Certificate
from elearning.content import ContentInvalid, load_catalog
from elearning.extensions import db
from elearning.learning import services as learning
from elearning.learning.models import Enrolment, LessonCompletion
from elearning.sqltypes import utcnow

# --- the test database and content ---------------------------------------------------------------

PASSWORD = "correct horse battery staple"
FIXTURE_CONTENT = Path(__file__).parent / "fixtures" / "content"


def base_config(database_url: str, tmp_path: Path) -> dict[str, Any]:
    """Settings for a test app: a real database and a real (file) mailbox."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "CONTENT_DIR": str(FIXTURE_CONTENT),
        "MAIL_BACKEND": "file",
        "MAIL_DIR": str(tmp_path / "mail"),
        "RATELIMIT_STORAGE_URI": "memory://",
        "JOBS_URL": "immediate",
        "LOGIN_RATE_LIMIT": "1000 per minute",
        "RESET_RATE_LIMIT": "1000 per minute",
    }


def empty_tables(app: Flask) -> None:
    tables = db.metadata.sorted_tables
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                names = ", ".join(t.name for t in tables)
                connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in reversed(tables):
                    connection.execute(table.delete())
        db.engine.dispose()


# --- requests: CSRF tokens, signing in, the mailbox ----------------------------------------------


def csrf_token_of(client: FlaskClient, path: str) -> str:
    """Fetch ``path`` with ``client`` and return its form's CSRF token, as a browser sends it."""
    response = client.get(path)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', response.text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def token_of(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def same_page(a: str, b: str) -> bool:
    """Whether two pages are identical but for their (time-stamped) CSRF tokens."""

    def mask(text: str) -> str:
        return re.sub(r'name="csrf_token" type="hidden" value="[^"]+"', "CSRF", text)

    return mask(a) == mask(b)


class AuthActions:
    """Sign in and out through the real forms."""

    def __init__(self, client: FlaskClient, csrf: Callable[[str], str]) -> None:
        self._client = client
        self._csrf = csrf

    def login(self, email: str, password: str = PASSWORD):
        return self._client.post(
            "/signin",
            data={
                "email": email,
                "password": password,
                "csrf_token": self._csrf("/signin"),
            },
        )

    def logout(self):
        return self._client.post("/signout", data={"csrf_token": self._csrf("/account/profile")})


def browser_for(app, email: str):
    """A signed-in client of its own."""
    client = app.test_client()
    response = AuthActions(client, lambda path: csrf_token_of(client, path)).login(email, PASSWORD)
    assert response.status_code == 302
    return client


class Mailbox:
    """The messages the app wrote with the file mail backend."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def messages(self) -> list[email.message.EmailMessage]:
        if not self.folder.exists():
            return []
        return [
            email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            for path in sorted(self.folder.glob("*.eml"))
        ]

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages() if m["To"] == address]

    def last_link(self, address: str) -> str:
        """The path of the last link mailed to ``address``."""
        body = self.to(address)[-1].get_content()
        urls = re.findall(r"https?://[^\s/]+(/\S+)", body)
        assert urls, body
        return urls[0]


# --- content: its errors, and the parallel forms added to the sample course ----------------------


def errors_of(root: Path) -> list[str]:
    with pytest.raises(ContentInvalid) as caught:
        load_catalog(root)
    return [str(error) for error in caught.value.errors]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def errors_after_edit(root: Path, file: str, old: str, new: str) -> list[str]:
    """Replace ``old`` by ``new`` in one file of ``root``, then the errors the load reports."""
    edit(root / file, old, new)
    return errors_of(root)


PARALLEL_ENTRY = """
- id: par-{form}-{n}
  type: single
  tags: [{tag}]
  points: [{points}]
  difficulty: easy
  stem: "Question {n} of form {form}."
  options:
    - text: "One answer."
      correct: true
    - text: "Another answer."
  explanation: "Why."
"""


PARALLEL_FORMS = """
parallel:
  A: [par-a-1, par-a-2]
  B: [par-b-1, par-b-2]
pre: {}
post: {}
"""


# --- the learner's path: lessons, assessments ----------------------------------------------------

PRE = "/courses/sample/assessment/pre"
POST = "/courses/sample/assessment/post"


def start(client, overview: str) -> str:
    """Press Start on an assessment's overview; the URL of the attempt's page it opens."""
    token = csrf_token_of(client, overview)
    response = client.post(f"{overview}/start", data={"csrf_token": token})
    assert response.status_code == 302, response.text
    return response.headers["Location"]


def attempt_id_of(url: str) -> int:
    return int(re.search(r"/attempts/(\d+)/", url).group(1))


def right_answers(app, attempt_id: int, page: int, *, right: bool = True) -> dict[str, list[str]]:
    """The form fields that answer every question on a page of the attempt, rightly or wrongly,
    worked out from the catalog and the attempt's seed as the server does."""
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        entry_id = db.session.scalar(
            select(Response.entry_id).where(
                Response.attempt_id == attempt_id, Response.position == page - 1
            )
        )
        entry = get_catalog().course("sample").bank.entries[entry_id]
        fields = {}
        for question in entry.questions:
            order = option_order(attempt.seed, question)
            keys = (
                question.correct_keys
                if right
                else {order[0]} - question.correct_keys
                or {next(k for k in order if k not in question.correct_keys)}
            )
            fields[f"q-{question.id}"] = [str(order.index(key) + 1) for key in sorted(keys)]
        return fields


def page_count(app, attempt_id: int) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count(func.distinct(Response.position))).where(
                Response.attempt_id == attempt_id
            )
        )


def answer_all(client, app, first_page: str, *, right: bool | Callable[[int], bool] = True) -> int:
    """Answer every page of the attempt through its forms (rightly, or as ``right(page)`` says),
    then submit. The attempt id."""
    attempt_id = attempt_id_of(first_page)
    base = first_page.rsplit("/", 1)[0]
    for page in range(1, page_count(app, attempt_id) + 1):
        html = client.get(f"{base}/{page}").text
        data = {
            "csrf_token": token_of(html),
            "go": "next",
            **right_answers(app, attempt_id, page, right=right(page) if callable(right) else right),
        }
        response = client.post(f"{base}/{page}", data=data)
        assert response.status_code == 302, response.text
    review = client.get(f"{base}/review")
    assert "Submit my answers" in review.text
    response = client.post(f"{base}/submit", data={"csrf_token": token_of(review.text)})
    response.close()  # as a server does once the response is sent (work queued for then runs)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/attempts/{attempt_id}/results")
    return attempt_id


def complete_lessons(app, email: str = "judge@example.org") -> None:
    with app.app_context():
        enrolment = enrolment_of(email)
        for lesson in get_catalog().course("sample").lessons:
            db.session.add(
                LessonCompletion(
                    enrolment_id=enrolment.id, lesson_slug=lesson.slug, content_version="x"
                )
            )
        db.session.flush()
        learning.enrolment_changed.send(enrolment.id, session=db.session)  # as mark_complete does
        db.session.commit()


def enrolment_of(email: str) -> Enrolment:
    from elearning.accounts.models import User

    return db.session.scalar(
        select(Enrolment).join(User, User.id == Enrolment.user_id).where(User.email == email)
    )


def db_enrolment(app, email: str) -> int:
    with app.app_context():
        return db.session.scalar(
            select(Enrolment.id).join(User, User.id == Enrolment.user_id).where(User.email == email)
        )


def earn(app, email: str, *, passed: bool = True) -> int:
    """Enrol ``email`` in the sample course, complete it and take the final assessment through
    the services (as the HTTP tests of assessments do through the pages); the enrolment id."""
    with app.app_context():
        course = get_catalog().course("sample")
        user = db.session.scalar(select(User).where(User.email == email))
        enrolment = learning.enrol(db.session, user.id, course)
        for lesson in course.lessons:
            learning.mark_complete(db.session, enrolment, lesson, course.content_version)
        now = utcnow()
        current = assessments.standing(db.session, course, enrolment.id, True, now)
        attempt = assessments.start_attempt(db.session, course, enrolment.id, "post", current, now)
        responses = assessments.responses_of(db.session, attempt.id)
        for position, entry_id in enumerate(assessments.entry_order(responses)):
            entry = course.bank.entries[entry_id]
            answers = {q.id: (q.correct_keys if passed else frozenset()) for q in entry.questions}
            assessments.save_answers(db.session, course, attempt, position, answers, now)
        assessments.submit_attempt(db.session, course, attempt, now)
        db.session.commit()
        return enrolment.id


# --- certificates and their PDFs -----------------------------------------------------------------


def certificates_of(app, email: str) -> list[Certificate]:
    with app.app_context():
        return db.session.scalars(
            select(Certificate)
            .join(User, User.id == Certificate.user_id)
            .where(User.email == email)
            .order_by(Certificate.id)
        ).all()


def issued_to(app, create_user, email="amara@example.org", name="Judge Amara Okafor"):
    """A learner with an issued certificate (earned, then claimed through the page)."""
    create_user(email=email, name=name)
    earn(app, email)
    client = browser_for(app, email)
    client.post(
        f"/certificates/claim/{db_enrolment(app, email)}",
        data={"csrf_token": csrf_token_of(client, "/certificates")},
    )
    [certificate] = certificates_of(app, email)
    return client, certificate


PDFTOTEXT = shutil.which("pdftotext") or "/usr/bin/pdftotext"  # poppler-utils, from .ci/run


PDFTOPPM = shutil.which("pdftoppm") or "/usr/bin/pdftoppm"


def qr_codes_of(pdf: bytes, folder: Path) -> list[str]:
    """The texts of the QR codes printed on a PDF's first page, read from a 150 dpi picture
    of it (``folder/page.png``, which stays there)."""
    import zxingcpp
    from PIL import Image

    (folder / "page.pdf").write_bytes(pdf)
    subprocess.run(  # noqa: S603 - poppler on the PDF the platform rendered
        [PDFTOPPM, "-png", "-r", "150", "-singlefile", folder / "page.pdf", folder / "page"],
        check=True,
    )
    with Image.open(folder / "page.png") as picture:
        return [code.text for code in zxingcpp.read_barcodes(picture)]


def pdf_text(data: bytes) -> str:
    result = subprocess.run(  # noqa: S603 - poppler on our own PDF
        [PDFTOTEXT, "-layout", "-", "-"], input=data, capture_output=True, check=True
    )
    return result.stdout.decode("utf-8")


# --- cohorts -------------------------------------------------------------------------------------

ALWAYS_RIGHT = 2.0  # an "ability" above any question's difficulty: every answer right
ALWAYS_WRONG = -2.0


def upload(browser, cohort, token, content: bytes, name="participants.csv"):
    """POST a file as a browser does. The body is built here: Werkzeug's test client would
    spool a large one to a temporary file it never closes."""
    boundary = "----participants-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return browser.post(
        f"/cohorts/{cohort.id}/upload",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


# --- hostile strings the security tests plant and look for ---------------------------------------

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
JS_URL = "javascript:alert(document.cookie)"
FORMULA = "=cmd|' /C calc'!A0"
