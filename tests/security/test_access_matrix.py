"""Who may open what: every route of the application, for six people, with their own objects,
someone else's, and guessed ids.

The cells are generated from the URL map, so a route added without an entry in MATRIX fails
here, and so does an entry whose route is gone. Each route is asked by six actors: anonymous,
the owner (a learner in cohort A, with an entry attempt, a passed final attempt, a certificate
and a name correction waiting), another learner (the same in cohort B), the trainer of cohort A,
the trainer of cohort B, and an admin; all signed in through the real form.

Each route is asked with the owner's objects, with the other learner's (cohort B's) objects where
access depends on whose object it is (the expected row then swaps owner and other learner,
trainer and other trainer), and with guessed ids (the next id, 0, 999999), unknown codes and
tokens. Someone else's attempt, certificate or cohort is the same 404 as one that does not exist,
so ids cannot be probed.

POSTs carry a valid CSRF token and little or no data: what is checked is the access decision.
An allowed write ("ok") may answer 200/302/303/400/422 (done, or refused by the form), never
500. Every other answer, and every GET, must leave the database exactly as it was; after a
write the world is put back, so every cell starts from the same world whatever ran before.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import date, time, timedelta
from types import SimpleNamespace

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.types import LargeBinary

from elearning import codes
from elearning.accounts import services as accounts
from elearning.accounts.models import Role, TokenPurpose, User
from elearning.assessments.models import Attempt
from elearning.catalog import get_catalog
from elearning.certificates.models import Certificate, CertificateRun, NameCorrection
from elearning.cohorts import follow_ups, invitations, paper
from elearning.cohorts import services as cohorts
from elearning.cohorts.attendance import attendance_token
from elearning.cohorts.models import (
    Cohort,
    CohortInvitation,
    CohortMember,
    CohortSession,
    ParticipantUpload,
)
from elearning.demo import take_assessment
from elearning.extensions import db
from elearning.learning import services as learning
from elearning.learning.models import Enrolment
from elearning.sqltypes import utcnow
from tests.helpers import ALWAYS_RIGHT, ALWAYS_WRONG, PASSWORD, AuthActions, csrf_token_of, upload

# --- the answers --------------------------------------------------------------------------------

ACTORS = ("anonymous", "owner", "other learner", "trainer", "other trainer", "admin")
SIGNIN = "signin"  # 302 to /signin?next=...: sign in first
OK = "ok"  # an allowed write: done (302, 303) or refused by the form (200, 400, 422)
WRITE_ANSWERS = {"200", "302", "303", "400", "422"}
# GETs that may fill a cache when allowed (and only then), answering 202 while a job works.
GET_CACHES = {
    "cohorts.report_pdf": {"cohort_report_documents"},  # the PDF a job renders and keeps
    "cohorts.report_summary_pdf": {"cohort_report_documents"},
    "cohorts.paper_sheets": {"cohort_report_documents"},  # the whole cohort's answer sheets
}


def row(*answers: int | str) -> dict[str, str]:
    """One expected answer per actor, in the order of ACTORS."""
    return dict(zip(ACTORS, map(str, answers), strict=True))


@dataclass(frozen=True)
class Access:
    """Who gets what: with the owner's objects, and with a guessed id, code or token.

    ``scoped``: the answer depends on whose object it is, so the route is also asked with the
    other learner's (cohort B's) objects, expecting the row with the two learners and the two
    trainers swapped.
    """

    own: dict[str, str]
    guessed: dict[str, str] | None = None
    scoped: bool = False


#                  anonymous owner  other  trainer other-tr admin
PUBLIC = Access(
    own=row(       200,      200,   200,   200,    200,     200),
    guessed=row(   404,      404,   404,   404,    404,     404),
)  # fmt: skip
PUBLIC_WRITE = Access(
    own=row(       OK,       OK,    OK,    OK,     OK,      OK),
    guessed=row(   404,      404,   404,   404,    404,     404),
)  # fmt: skip
TO_THE_FORM = Access(  # a form's POST address opened: everyone is sent to the form
    own=row(       302,      302,   302,   302,    302,     302),
)  # fmt: skip
VISITORS = Access(  # the front page, sign in, sign up: the signed-in go to their dashboard
    own=row(       200,      302,   302,   302,    302,     302),
)  # fmt: skip
JOINING = Access(  # a join link: anyone may look; joining needs an account; unknown code 404
    own=row(       SIGNIN,   OK,    OK,    OK,     OK,      OK),
    guessed=row(   404,      404,   404,   404,    404,     404),
)  # fmt: skip
SIGNED_IN = Access(
    own=row(       SIGNIN,   200,   200,   200,    200,     200),
)  # fmt: skip
SIGNED_IN_WRITE = Access(
    own=row(       SIGNIN,   OK,    OK,    OK,     OK,      OK),
)  # fmt: skip
ENROLLED = Access(  # both learners take the sample course; trainers and admin do not
    own=row(       SIGNIN,   200,   200,   403,    403,     403),
)  # fmt: skip
ENROLLED_WRITE = Access(
    own=row(       SIGNIN,   OK,    OK,    403,    403,     403),
)  # fmt: skip
OWNER = Access(  # the learner's own attempt, enrolment, name correction: nobody else's
    own=row(       SIGNIN,   200,   404,   404,    404,     404),
    guessed=row(   SIGNIN,   404,   404,   404,    404,     404),
    scoped=True,
)  # fmt: skip
OWNER_REDIRECTED = Access(  # a page of a submitted attempt: back to its results
    own=row(       SIGNIN,   302,   404,   404,    404,     404),
    guessed=row(   SIGNIN,   404,   404,   404,    404,     404),
    scoped=True,
)  # fmt: skip
OWNER_WRITE = Access(
    own=row(       SIGNIN,   OK,    404,   404,    404,     404),
    guessed=row(   SIGNIN,   404,   404,   404,    404,     404),
    scoped=True,
)  # fmt: skip
HOLDER_OR_ADMIN = Access(  # a certificate's PDF: its holder and admins
    own=row(       SIGNIN,   200,   404,   404,    404,     200),
    guessed=row(   SIGNIN,   404,   404,   404,    404,     404),
    scoped=True,
)  # fmt: skip
TRAINERS = Access(
    own=row(       SIGNIN,   403,   403,   200,    200,     200),
    guessed=row(   SIGNIN,   403,   403,   404,    404,     404),
)  # fmt: skip
TRAINERS_WRITE = Access(
    own=row(       SIGNIN,   403,   403,   OK,     OK,      OK),
)  # fmt: skip
COHORT_TRAINERS = Access(  # a cohort's pages: its trainers and admins
    own=row(       SIGNIN,   403,   403,   200,    404,     200),
    guessed=row(   SIGNIN,   403,   403,   404,    404,     404),
    scoped=True,
)  # fmt: skip
COHORT_TRAINERS_WRITE = Access(
    own=row(       SIGNIN,   403,   403,   OK,     404,     OK),
    guessed=row(   SIGNIN,   403,   403,   404,    404,     404),
    scoped=True,
)  # fmt: skip
ADMINS = Access(
    own=row(       SIGNIN,   403,   403,   403,    403,     200),
    guessed=row(   SIGNIN,   403,   403,   403,    403,     404),
)  # fmt: skip
ADMINS_WRITE = Access(
    own=row(       SIGNIN,   403,   403,   403,    403,     OK),
    guessed=row(   SIGNIN,   403,   403,   403,    403,     404),
)  # fmt: skip

MATRIX: dict[str, dict[str, Access]] = {
    # the site
    "static": {"GET": PUBLIC},
    "site.index": {"GET": VISITORS},
    "site.healthz": {"GET": PUBLIC},
    "site.choose_language": {"POST": PUBLIC_WRITE},
    "site.dashboard": {"GET": SIGNED_IN},
    # accounts (the e-mailed links are the capability: anyone holding one may use it)
    "accounts.sign_up": {"GET": VISITORS, "POST": PUBLIC_WRITE},
    "accounts.sign_in": {"GET": VISITORS, "POST": PUBLIC_WRITE},
    "accounts.sign_out": {"POST": PUBLIC_WRITE},
    "accounts.forgot_password": {"GET": PUBLIC, "POST": PUBLIC_WRITE},
    "accounts.confirm_email": {"GET": PUBLIC, "POST": PUBLIC_WRITE},
    "accounts.reset_password": {"GET": PUBLIC, "POST": PUBLIC_WRITE},
    "accounts.accept_invitation": {"GET": PUBLIC, "POST": PUBLIC_WRITE},
    "accounts.change_password": {"GET": SIGNED_IN, "POST": SIGNED_IN_WRITE},
    "accounts.profile": {"GET": SIGNED_IN, "POST": SIGNED_IN_WRITE},
    # courses and lessons
    "learning.catalog": {"GET": PUBLIC},
    "learning.course": {"GET": PUBLIC},
    "learning.sources": {"GET": PUBLIC},
    "learning.enrol": {"POST": SIGNED_IN_WRITE},
    "learning.module": {"GET": ENROLLED},
    "learning.lesson": {"GET": ENROLLED},
    "learning.media": {"GET": ENROLLED},
    "learning.answer": {"POST": ENROLLED_WRITE},
    "learning.complete": {"POST": ENROLLED_WRITE},
    "learning.printable": {"GET": ENROLLED},
    "learning.printable_pdf": {"GET": ENROLLED},
    # assessments
    "assessments.overview": {"GET": ENROLLED},
    "assessments.start": {"POST": ENROLLED_WRITE},
    "assessments.page": {"GET": OWNER_REDIRECTED, "POST": OWNER_WRITE},
    "assessments.review": {"GET": OWNER_REDIRECTED},
    "assessments.submit": {"POST": OWNER_WRITE},
    "assessments.results": {"GET": OWNER},
    # certificates: the learner's, public verification, the admin's tools
    "certificates.mine": {"GET": SIGNED_IN},
    "certificates.transcript": {"GET": SIGNED_IN},
    "certificates.transcript_pdf": {"GET": SIGNED_IN},
    "certificates.claim": {"POST": OWNER_WRITE},
    "certificates.download": {"GET": HOLDER_OR_ADMIN},
    "certificates.correct_name": {"GET": OWNER, "POST": OWNER_WRITE},
    "certificates.verify_form": {"GET": PUBLIC},
    "certificates.verify": {"GET": PUBLIC, "POST": PUBLIC_WRITE},
    "certificates.verify_api": {"GET": PUBLIC},
    "certificates.credential": {"GET": HOLDER_OR_ADMIN},
    "certificates.verify_credential": {"GET": TO_THE_FORM, "POST": PUBLIC_WRITE},
    "certificates.did_document": {"GET": PUBLIC},
    "certificates.did_document_under_path": {"GET": PUBLIC},
    "certificates.issuer_profile": {"GET": PUBLIC},
    "certificates.offline_verifier": {"GET": PUBLIC},
    "certificates.status_list": {"GET": PUBLIC},
    "certificates.admin_list": {"GET": ADMINS},
    "certificates.admin_requests": {"GET": ADMINS},
    "certificates.admin_export": {"GET": ADMINS},
    "certificates.admin_decide_requests": {"POST": ADMINS_WRITE},
    "certificates.admin_bulk_issue": {"POST": ADMINS_WRITE},
    "certificates.admin_cohort_issue": {"POST": ADMINS_WRITE},
    "certificates.admin_detail": {"GET": ADMINS},
    "certificates.admin_run": {"GET": ADMINS},
    "certificates.admin_revoke": {"POST": ADMINS_WRITE},
    "certificates.admin_reissue": {"POST": ADMINS_WRITE},
    "certificates.admin_corrections": {"GET": ADMINS},
    "certificates.admin_decide": {"POST": ADMINS_WRITE},
    # cohorts and the trainers' manual
    "cohorts.index": {"GET": TRAINERS},
    "cohorts.create": {"GET": TRAINERS, "POST": TRAINERS_WRITE},
    "cohorts.detail": {"GET": COHORT_TRAINERS},
    "cohorts.edit": {"GET": COHORT_TRAINERS, "POST": COHORT_TRAINERS_WRITE},
    "cohorts.join_code": {"POST": COHORT_TRAINERS_WRITE},
    "cohorts.add_trainer": {"POST": COHORT_TRAINERS_WRITE},
    "cohorts.remove_trainer": {"POST": COHORT_TRAINERS_WRITE},
    "cohorts.upload": {"POST": COHORT_TRAINERS_WRITE},
    "cohorts.confirm_upload": {"POST": COHORT_TRAINERS_WRITE},
    "cohorts.roster": {"GET": COHORT_TRAINERS},
    "cohorts.remove_member": {"GET": COHORT_TRAINERS, "POST": COHORT_TRAINERS_WRITE},
    "cohorts.member": {"GET": COHORT_TRAINERS},
    "cohorts.member_certificate": {"GET": COHORT_TRAINERS},
    "cohorts.certificates_zip": {"GET": COHORT_TRAINERS},
    "cohorts.ceremony_certificates": {"GET": COHORT_TRAINERS},
    "cohorts.ceremony_names": {"GET": COHORT_TRAINERS},
    "cohorts.ceremony_notice": {"GET": COHORT_TRAINERS, "POST": COHORT_TRAINERS_WRITE},
    "cohorts.member_attempt": {"GET": COHORT_TRAINERS},
    "cohorts.paper_entry": {"GET": COHORT_TRAINERS, "POST": COHORT_TRAINERS_WRITE},
    "cohorts.paper_sheets": {"GET": COHORT_TRAINERS},
    "cohorts.paper_photo": {"POST": COHORT_TRAINERS_WRITE},
    "cohorts.paper_sheet": {"GET": COHORT_TRAINERS, "POST": COHORT_TRAINERS_WRITE},
    "cohorts.extra_attempt": {"GET": COHORT_TRAINERS, "POST": COHORT_TRAINERS_WRITE},
    "cohorts.roster_export": {"GET": COHORT_TRAINERS},
    "cohorts.hours_export": {"GET": COHORT_TRAINERS},
    "cohorts.report_page": {"GET": COHORT_TRAINERS},
    "cohorts.report_pdf": {"GET": COHORT_TRAINERS},
    "cohorts.report_summary_pdf": {"GET": COHORT_TRAINERS},
    "cohorts.items_export": {"GET": COHORT_TRAINERS},
    "cohorts.manual": {"GET": TRAINERS},
    "cohorts.manual_page": {"GET": TRAINERS},
    "cohorts.manual_page_pdf": {"GET": TRAINERS},
    "cohorts.join": {"GET": PUBLIC, "POST": PUBLIC_WRITE},
    "cohorts.join_link": {"GET": PUBLIC, "POST": JOINING},
    "cohorts.invitation": {"GET": PUBLIC, "POST": PUBLIC_WRITE},
    "cohorts.manage_invitation": {"POST": COHORT_TRAINERS_WRITE},
    "cohorts.leave": {"GET": OWNER, "POST": OWNER_WRITE},
    # the reaction evaluation: its judges answer (once they sat the final); its trainers read
    "cohorts.reaction_form": {"GET": OWNER, "POST": OWNER_WRITE},
    "cohorts.reaction_results": {"GET": COHORT_TRAINERS},
    # the room's assessments: its trainers open and close them; the projector is theirs alone
    "cohorts.room_open": {"POST": COHORT_TRAINERS_WRITE},
    "cohorts.room_close": {"POST": COHORT_TRAINERS_WRITE},
    "cohorts.projector": {"GET": COHORT_TRAINERS},
    "cohorts.projector_counts": {"GET": COHORT_TRAINERS},
    # the workshop's sessions and attendance: its trainers; its judges read their own agenda
    "cohorts.sessions": {"GET": COHORT_TRAINERS},
    "cohorts.session_new": {"GET": COHORT_TRAINERS, "POST": COHORT_TRAINERS_WRITE},
    "cohorts.session_edit": {"GET": COHORT_TRAINERS, "POST": COHORT_TRAINERS_WRITE},
    "cohorts.session_delete": {"GET": COHORT_TRAINERS, "POST": COHORT_TRAINERS_WRITE},
    "cohorts.agenda_fill": {"POST": COHORT_TRAINERS_WRITE},
    "cohorts.attendance_requirement": {"POST": COHORT_TRAINERS_WRITE},
    "cohorts.attendance_sheet": {"GET": COHORT_TRAINERS, "POST": COHORT_TRAINERS_WRITE},
    "cohorts.sign_in_sheet": {"GET": COHORT_TRAINERS},
    "cohorts.attendance_scan": {"GET": COHORT_TRAINERS, "POST": COHORT_TRAINERS_WRITE},
    "cohorts.my_agenda": {"GET": OWNER},
    # the follow-up evaluation: the judge it was e-mailed to, signed in, through its signed link
    "cohorts.follow_up_form": {"GET": OWNER, "POST": OWNER_WRITE},
    # admin
    "admin.users": {"GET": ADMINS},
    "admin.user": {"GET": ADMINS, "POST": ADMINS_WRITE},
    "admin.user_status": {"POST": ADMINS_WRITE},
    "admin.audit_log": {"GET": ADMINS},
    "admin.audit_csv": {"GET": ADMINS},
    "admin.figures": {"GET": ADMINS},
    "admin.figures_csv": {"GET": ADMINS},
    "admin.cohorts_csv": {"GET": ADMINS},
}

# Someone else's object reached through one's own cohort: cohort B's member or trainer through
# cohort A is the same 404 as a guess; cohort B's upload confirmed in cohort A imports nothing.
#                        anonymous owner  other  trainer other-tr admin
FOREIGN_UPLOAD = row(    SIGNIN,   403,   403,   302,    404,     302)  # fmt: skip
MIXED = {
    "cohorts.remove_member": ("cohort B's member", "member_id", COHORT_TRAINERS_WRITE.guessed),
    "cohorts.extra_attempt": ("cohort B's member", "member_id", COHORT_TRAINERS_WRITE.guessed),
    "cohorts.member": ("cohort B's member", "member_id", COHORT_TRAINERS.guessed),
    "cohorts.member_certificate": ("cohort B's member", "member_id", COHORT_TRAINERS.guessed),
    # An attempt of cohort B's judge, asked for under cohort A's judge: the attempt is not theirs.
    "cohorts.member_attempt": ("cohort B's attempt", "attempt_id", COHORT_TRAINERS.guessed),
    "cohorts.remove_trainer": ("cohort B's trainer", "trainer_id", COHORT_TRAINERS_WRITE.guessed),
    "cohorts.confirm_upload": ("cohort B's upload", "upload_id", FOREIGN_UPLOAD),
    "cohorts.manage_invitation": (
        "cohort B's invitation",
        "invitation_id",
        COHORT_TRAINERS_WRITE.guessed,
    ),
    # Cohort B's session through cohort A; cohort B's sign-in code on cohort A's session.
    "cohorts.session_edit": ("cohort B's session", "session_id", COHORT_TRAINERS.guessed),
    "cohorts.session_delete": ("cohort B's session", "session_id", COHORT_TRAINERS.guessed),
    "cohorts.attendance_sheet": ("cohort B's session", "session_id", COHORT_TRAINERS.guessed),
    "cohorts.sign_in_sheet": ("cohort B's session", "session_id", COHORT_TRAINERS.guessed),
    "cohorts.attendance_scan": (
        "cohort B's sign-in code",
        "attendance_token",
        COHORT_TRAINERS.guessed,
    ),
}

# URL variables that are not objects of anyone: the sample course, its pages, a static file.
FIXED = {
    "course_slug": "sample",
    "module_slug": "basics",
    "lesson_slug": "first-lesson",
    "check_id": "first-check",
    "kind": "post",
    "page_number": 1,
    "extension": "csv",
    "page_slug": "running-a-workshop",
    "filename": "app.css",
    "file_name": "distance.svg",
    "number": 0,  # the first status list
}
# URL variables whose object depends on the route.
OBJECT_OF = {
    ("cohorts.remove_trainer", "user_id"): "trainer_id",
    ("cohorts.join_link", "code"): "join_code",
    ("accounts.confirm_email", "token"): "activation_token",
    ("accounts.reset_password", "token"): "reset_token",
    ("accounts.accept_invitation", "token"): "invitation_token",
    ("cohorts.invitation", "token"): "cohort_invitation_token",
    ("cohorts.attendance_scan", "token"): "attendance_token",
    ("cohorts.follow_up_form", "token"): "follow_up_token",
    ("cohorts.paper_sheet", "token"): "paper_token",
}
# The little a POST needs besides its CSRF token, from the objects of the cell.
FORM_DATA = {
    "site.choose_language": {"language": "en"},
    "cohorts.extra_attempt": {"reason": "Called to a hearing on the last day"},
    "cohorts.join": {"code": "{join_code}"},
    "cohorts.reaction_form": {"relevance": "4", "trainers": "5", "materials": "3"},
    "cohorts.follow_up_form": {"frequency": "once", "obstacles": "caseload"},
    "cohorts.confirm_upload": {"upload_id": "{upload_id}"},
    "certificates.admin_cohort_issue": {"cohort": "{cohort_id}"},
    "certificates.admin_decide_requests": {"decision": "hold", "reason": "Identity unclear"},
}
SWAPPED = {
    "owner": "other learner",
    "other learner": "owner",
    "trainer": "other trainer",
    "other trainer": "trainer",
}
ID_MODELS = {
    "attempt_id": Attempt,
    "certificate_id": Certificate,
    "cohort_id": Cohort,
    "correction_id": NameCorrection,
    "enrolment_id": Enrolment,
    "invitation_id": CohortInvitation,
    "member_id": CohortMember,
    "run_id": CertificateRun,
    "session_id": CohortSession,
    "trainer_id": User,
    "user_id": User,
}


# --- the world ----------------------------------------------------------------------------------


@pytest.fixture
def app(make_app) -> Flask:
    """The test app, with the join and verification limits out of the way: the matrix opens
    those pages far more often than a person would."""
    return make_app(JOIN_RATE_LIMIT="10000 per minute", VERIFY_RATE_LIMIT="10000 per minute")


@dataclass
class Actor:
    """A person's signed-in session (a cookie) and the CSRF token of their forms."""

    cookie: str
    csrf: str


class Database:
    """The world's rows: to tell whether a request changed anything, and to put them back."""

    def __init__(self, app: Flask) -> None:
        with app.app_context():
            self.engine = db.engine
        self.tables = db.metadata.sorted_tables
        self._fingerprints = {
            table.name: select(
                *(
                    func.length(column) if isinstance(column.type, LargeBinary) else column
                    for column in table.columns
                )
            ).order_by(*table.primary_key.columns)
            for table in self.tables
        }
        with self.engine.connect() as connection:
            self.saved = {
                table.name: [
                    dict(r._mapping)
                    for r in connection.execute(select(table).order_by(*table.primary_key.columns))
                ]
                for table in self.tables
            }
        self.baseline = self.fingerprint()

    def fingerprint(self) -> dict[str, list[tuple]]:
        """Every row of every table, a file's bytes by their length."""
        with self.engine.connect() as connection:
            return {
                name: [tuple(r) for r in connection.execute(query)]
                for name, query in self._fingerprints.items()
            }

    def changed_tables(self) -> list[str]:
        """The tables whose rows differ from the world's."""
        now = self.fingerprint()
        return [name for name in now if now[name] != self.baseline[name]]

    def restore(self) -> None:
        """Put every row back as it was when the world was built."""
        with self.engine.begin() as connection:
            for table in reversed(self.tables):
                connection.execute(table.delete())
            for table in self.tables:
                rows = self.saved[table.name]
                if not rows:
                    continue
                # A row may point at a later row of its own table (a superseded certificate).
                inner = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]
                connection.execute(table.insert(), [{**r, **dict.fromkeys(inner)} for r in rows])
                for r in rows:
                    if any(r[name] is not None for name in inner):
                        key = [column == r[column.name] for column in table.primary_key.columns]
                        connection.execute(
                            table.update().where(*key).values({name: r[name] for name in inner})
                        )


@dataclass
class World:
    """Everything the matrix asks about, built through the real services and pages."""

    app: Flask
    actors: dict[str, Actor]
    own: dict[str, object]
    others: dict[str, object]
    entry_attempt_id: int
    guesses: dict[str, list[object]]
    database: Database


def take_the_course(course, cohort_id: int, user_id: int, rng: random.Random) -> dict:
    """Join the cohort, sit the entry assessment, finish every lesson and pass the final one
    (in the current application context); the learner's objects."""
    session = db.session
    member, _ = cohorts.join_cohort(
        session, session.get(Cohort, cohort_id), user_id, course, via="code"
    )
    then = utcnow() - timedelta(days=10)
    take_assessment(session, course, member.enrolment_id, "pre", ALWAYS_WRONG, rng, then)
    enrolment = session.get(Enrolment, member.enrolment_id)
    for lesson in course.lessons:
        learning.mark_complete(session, enrolment, lesson, course.content_version)
    later = then + timedelta(days=1)
    take_assessment(session, course, member.enrolment_id, "post", ALWAYS_RIGHT, rng, later)
    session.flush()
    attempts = {
        a.kind: a.id
        for a in session.scalars(select(Attempt).where(Attempt.enrolment_id == enrolment.id))
    }
    return {
        "enrolment_id": enrolment.id,
        "member_id": member.id,
        "attempt_id": attempts["post"],
        "entry_attempt_id": attempts["pre"],
    }


def sign_in(app: Flask, email: str | None) -> tuple[Actor, object]:
    """Sign in through the real form (or stay anonymous); the session and its client."""
    client = app.test_client()

    def csrf(path: str) -> str:
        return csrf_token_of(client, path)

    if email:
        assert AuthActions(client, csrf).login(email, PASSWORD).status_code == 302, email
    token = csrf("/account/profile" if email else "/signin")
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    return Actor(cookie=cookie.value, csrf=token), client


PARTICIPANTS = (
    "Name;E-mail;Country;Institution;Language\nJudge New Participant;{email};KE;High Court;en\n"
)


@pytest.fixture
def world(app, create_user) -> World:
    """Two learners who took the course (entry, lessons, a passed final, a certificate), each in
    a cohort of their own trainer; a name correction and a participants file waiting; an admin;
    links to activate an account, reset the owner's password and accept an invitation."""
    emails = {
        "owner": "owner@example.org",
        "other learner": "other@example.org",
        "trainer": "trainer@example.org",
        "other trainer": "other-trainer@example.org",
        "admin": "admin@example.org",
    }
    users = {
        "owner": create_user(email=emails["owner"], name="Judge Owner"),
        "other learner": create_user(email=emails["other learner"], name="Judge Other"),
        "trainer": create_user(email=emails["trainer"], role=Role.trainer),
        "other trainer": create_user(email=emails["other trainer"], role=Role.trainer),
        "admin": create_user(email=emails["admin"], role=Role.admin),
    }
    invited = create_user(email="invited@example.org", is_confirmed=False)
    rng = random.Random(9)
    with app.app_context():
        course = get_catalog().course("sample")
        cohort_ids = []
        for trainer, name in (("trainer", "Cohort A"), ("other trainer", "Cohort B")):
            cohort = cohorts.create_cohort(
                db.session,
                course=course,
                details=cohorts.CohortDetails(name=name),
                creator=db.session.get(User, users[trainer].id),
            )
            db.session.flush()
            cohort_ids.append(cohort.id)
        own = take_the_course(course, cohort_ids[0], users["owner"].id, rng)
        others = take_the_course(course, cohort_ids[1], users["other learner"].id, rng)
        pending = accounts.sign_up(
            db.session,
            email="pending@example.org",
            password=PASSWORD,
            profile=accounts.Profile(certificate_name="Judge Pending"),
        )
        activation = accounts.issue_token(
            db.session, pending.user, TokenPurpose.confirm_email, 3600, payload=pending.pending
        )
        invited_to = {}
        for objects, cohort_id in ((own, cohort_ids[0]), (others, cohort_ids[1])):
            [asked] = invitations.invite_participants(
                db.session,
                db.session.get(Cohort, cohort_id),
                [
                    SimpleNamespace(
                        email=f"asked-{cohort_id}@example.org",
                        name="Judge Asked",
                        country=None,
                        institution="",
                        position="",
                        language=None,
                    )
                ],
                invited_by=db.session.get(User, users["admin"].id),
                now=utcnow(),
            ).invitations
            objects["invitation_id"] = asked.id
            invited_to[cohort_id] = invitations.new_link(asked, 3600, utcnow())
        _, reset = accounts.start_password_reset(db.session, emails["owner"], 3600)
        invitation = accounts.issue_token(
            db.session, db.session.get(User, invited.id), TokenPurpose.invitation, 3600
        )
        db.session.commit()

    actors = {"anonymous": sign_in(app, None)[0]}
    clients = {}
    for name, email in emails.items():
        actors[name], clients[name] = sign_in(app, email)

    # The certificates through the learners' own button, the correction through the owner's form.
    for name, objects in (("owner", own), ("other learner", others)):
        claimed = clients[name].post(
            f"/certificates/claim/{objects['enrolment_id']}",
            data={"csrf_token": actors[name].csrf},
        )
        assert claimed.status_code == 302
    with app.app_context():
        for objects in (own, others):
            certificate = db.session.scalar(
                select(Certificate).where(Certificate.enrolment_id == objects["enrolment_id"])
            )
            objects["certificate_id"], objects["code"] = certificate.id, certificate.code
            run = CertificateRun(enrolment_ids=[objects["enrolment_id"]], finished_at=utcnow())
            db.session.add(run)
            db.session.flush()
            objects["run_id"] = run.id
        db.session.commit()
    asked = clients["owner"].post(
        f"/certificates/{own['certificate_id']}/name",
        data={"csrf_token": actors["owner"].csrf, "name": "Judge Owner Corrected"},
    )
    assert asked.status_code == 302

    # Each trainer's participants file, previewed and not yet imported.
    for name, cohort_id in (("trainer", cohort_ids[0]), ("other trainer", cohort_ids[1])):
        participants = PARTICIPANTS.format(email=f"new-{cohort_id}@example.org").encode()
        previewed = upload(
            clients[name], SimpleNamespace(id=cohort_id), actors[name].csrf, participants
        )
        assert previewed.status_code == 200, previewed.text

    with app.app_context():
        for objects, cohort_id, trainer in (
            (own, cohort_ids[0], "trainer"),
            (others, cohort_ids[1], "other trainer"),
        ):
            cohort = db.session.get(Cohort, cohort_id)
            workshop = CohortSession(
                cohort_id=cohort.id,
                title="Opening",
                held_on=date(2027, 3, 1),
                starts_at=time(9),
                ends_at=time(10),
            )
            db.session.add(workshop)
            db.session.flush()
            member = db.session.get(CohortMember, objects["member_id"])
            member.follow_up_asked_at = utcnow()  # e-mailed the follow-up evaluation
            objects["follow_up_token"] = follow_ups.link_token(
                app.config["SECRET_KEY"], cohort.id, member.user_id
            )
            judge = db.session.scalar(
                select(CohortMember)
                .where(CohortMember.cohort_id == cohort.id)
                .order_by(CohortMember.id)
                .limit(1)
            )
            sheet = paper.compose_sheet(db.session, get_catalog().course("sample"), judge, "pre")
            objects.update(
                session_id=workshop.id,
                attendance_token=attendance_token(
                    app.config["SECRET_KEY"], cohort.id, workshop.id, objects["member_id"]
                ),
                paper_token=paper.sheet_token(app.config["SECRET_KEY"], sheet),
                cohort_id=cohort.id,
                join_code=cohort.join_code,
                trainer_id=users[trainer].id,
                upload_id=db.session.scalar(
                    select(ParticipantUpload.id).where(ParticipantUpload.cohort_id == cohort.id)
                ),
            )
        own.update(
            user_id=users["owner"].id,
            correction_id=db.session.scalar(select(NameCorrection.id)),
            activation_token=activation,
            reset_token=reset,
            invitation_token=invitation,
            cohort_invitation_token=invited_to[cohort_ids[0]],
        )
        guesses = {
            key: [(db.session.scalar(select(func.max(model.id))) or 0) + 1, 0, 999_999]
            for key, model in ID_MODELS.items()
        }
        db.session.commit()  # the workshop sessions, the members asked for their follow-up
    guesses.update(
        code=[codes.new_code(), "0" * 12],
        join_code=[codes.new_code(cohorts.JOIN_CODE_LENGTH)],
        activation_token=[secrets.token_urlsafe(32)],
        reset_token=[secrets.token_urlsafe(32)],
        invitation_token=[secrets.token_urlsafe(32)],
        cohort_invitation_token=[secrets.token_urlsafe(32)],
        attendance_token=[secrets.token_urlsafe(32)],
        follow_up_token=[secrets.token_urlsafe(32)],
        paper_token=[secrets.token_urlsafe(32)],
        filename=["no-such-file.css"],
    )
    entry_attempt_id = own.pop("entry_attempt_id")
    others.pop("entry_attempt_id")
    return World(
        app=app,
        actors=actors,
        own=own,
        others=others,
        entry_attempt_id=entry_attempt_id,
        guesses=guesses,
        database=Database(app),
    )


# --- the cells ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One route and method asked with one set of objects; the answer expected of each actor."""

    endpoint: str
    method: str
    label: str
    objects: dict
    expected: dict[str, str]


def routes(app: Flask) -> list[tuple[object, str]]:
    """Every (rule, method) of the URL map, HEAD and OPTIONS aside."""
    return [
        (rule, method)
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint))
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
    ]


def object_key(endpoint: str, argument: str) -> str:
    """Which of the world's objects fills this URL variable of this route."""
    return OBJECT_OF.get((endpoint, argument), argument)


def cases(world: World, rule, method: str) -> list[Case]:
    """The owner's objects, the other learner's, mixed ones, and every guess."""
    access = MATRIX[rule.endpoint][method]
    keys = [object_key(rule.endpoint, argument) for argument in rule.arguments]

    def case(label: str, objects: dict, expected: dict[str, str]) -> Case:
        return Case(rule.endpoint, method, label, objects, expected)

    has_objects = any(key in world.own for key in keys)
    found = [case("owner's, cohort A" if has_objects else "-", world.own, access.own)]
    if "attempt_id" in keys:
        entry = {**world.own, "attempt_id": world.entry_attempt_id}
        found.append(case("owner's entry attempt", entry, access.own))
    if access.scoped:
        swapped = {actor: access.own[SWAPPED.get(actor, actor)] for actor in ACTORS}
        found.append(case("other learner's, cohort B", world.others, swapped))
    if rule.endpoint in MIXED:
        label, key, expected = MIXED[rule.endpoint]
        found.append(case(label, {**world.own, key: world.others[key]}, expected))
    for key in keys:
        for guess in world.guesses.get(key, ()):
            assert access.guessed is not None, f"{rule.endpoint}: no answer for a guessed {key}"
            found.append(case(f"guessed {key}", {**world.own, key: guess}, access.guessed))
    return found


def url_of(world: World, rule, objects: dict) -> str:
    """The rule's address with its variables filled from ``objects`` (or FIXED)."""
    values = {}
    for argument in rule.arguments:
        key = object_key(rule.endpoint, argument)
        assert key in objects or key in FIXED, f"{rule.endpoint}: no value for <{argument}>"
        values[argument] = objects[key] if key in objects else FIXED[key]
    return world.app.url_map.bind("localhost").build(rule.endpoint, values)


def answer_of(response) -> str:
    """The status, or "signin" for the redirect to the sign-in page that returns afterwards."""
    if response.status_code == 302 and response.location.startswith("/signin?next="):
        return SIGNIN
    return str(response.status_code)


def ask(world: World, actor: Actor, method: str, url: str, data: dict) -> str:
    """The actor's answer, in a browser of its own (so signing out or in ends nowhere else)."""
    client = world.app.test_client()
    client.set_cookie(world.app.config["SESSION_COOKIE_NAME"], actor.cookie)
    form = None if method == "GET" else {"csrf_token": actor.csrf, **data}
    with client.open(url, method=method, data=form) as response:
        return answer_of(response)


# --- the tests ----------------------------------------------------------------------------------


def test_every_route_has_an_entry_in_the_matrix(app):
    """A new route (or a new method of one) fails here until someone decides who may use it;
    an entry whose route is gone fails too."""
    in_app = {(rule.endpoint, method) for rule, method in routes(app)}
    in_matrix = {(endpoint, method) for endpoint, methods in MATRIX.items() for method in methods}
    endpoints = [rule.endpoint for rule in app.url_map.iter_rules()]
    assert {
        "routes without an entry in MATRIX": sorted(in_app - in_matrix),
        "entries in MATRIX whose route does not exist": sorted(in_matrix - in_app),
        "endpoints with several URL rules (give each its own entry)": sorted(
            {endpoint for endpoint in endpoints if endpoints.count(endpoint) > 1}
        ),
    } == {
        "routes without an entry in MATRIX": [],
        "entries in MATRIX whose route does not exist": [],
        "endpoints with several URL rules (give each its own entry)": [],
    }


def test_every_actor_gets_the_answer_of_the_matrix(world):
    """Every route, method, actor and object gets its expected answer, and a refused request (or
    any GET) changes nothing in the database."""
    database = world.database
    differences, asked = [], 0
    for rule, method in routes(world.app):
        if method not in MATRIX.get(rule.endpoint, {}):
            differences.append(f"{method} {rule.rule}: no entry in MATRIX")
            continue
        for case in cases(world, rule, method):
            url = url_of(world, rule, case.objects)
            data = {
                name: value.format(**case.objects)
                for name, value in FORM_DATA.get(case.endpoint, {}).items()
            }
            wrong = []
            for actor in ACTORS:
                answer = ask(world, world.actors[actor], method, url, data)
                asked += 1
                expected = case.expected[actor]
                right = answer in WRITE_ANSWERS if expected == OK else answer == expected
                changed = database.changed_tables()
                if changed:
                    database.restore()
                cache = GET_CACHES.get(case.endpoint, set()) if expected == "200" else set()
                if cache and answer == "202" and set(changed) <= cache:
                    right, changed = True, []
                if changed and (expected != OK or method == "GET"):
                    right = False
                    answer += f" and changed {'+'.join(changed)}"
                if not right:
                    wrong.append(f"{actor}: expected {expected}, got {answer}")
            if wrong:
                differences.append(f"{method} {url} ({case.label}): " + "; ".join(wrong))
    assert not differences, (
        f"answers that differ from the matrix ({asked} asked):\n  " + "\n  ".join(differences)
    )
