"""The accounts a certificate can trust, as an attacker would probe them: links that cannot be
pointed at another host, an e-mail address nobody can take over before its owner, nobody enrolled
in a cohort without consent, limits that hold behind a proxy and across workers, and equal work
whether or not an account exists.

Each test names the protection it proves; each was seen to fail with its protection removed
(SECURITY.md says how).
"""

from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy import func, select

from elearning.accounts import services as accounts
from elearning.accounts.models import AccountToken, Role, User
from elearning.accounts.passwords import HASHER
from elearning.cohorts import tasks
from elearning.cohorts.models import Cohort
from elearning.config import ConfigError, load_settings
from elearning.extensions import db
from elearning.outbox.models import OutboxMessage
from tests.helpers import PASSWORD, AuthActions, csrf_token_of

PUBLIC = "https://ethics.example.org"
STRONG_KEY = "5f1c9e0b7a2d4c6e8f1a3b5c7d9e0f2a4b6c8d0e1f3a5b7c9d1e3f5a7b9c0d2e"


def post_form(client, path: str, *, headers=None, environ=None, base_url=None, **data):
    """Open a form's page and post it back with its CSRF token, as a browser would."""
    extra = {"base_url": base_url} if base_url else {}
    page = client.get(path, headers=headers or {}, environ_base=environ or {}, **extra)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text)[1]
    sent = {**(headers or {}), **({"Referer": base_url + path} if base_url else {})}
    return client.post(
        path, data={**data, "csrf_token": token}, headers=sent, environ_base=environ or {}, **extra
    )


# --- links built from the public address ------------------------------------------------------


def test_a_reset_link_points_at_the_public_address_whatever_the_request_says(
    make_app, create_user, mailbox
):
    """Reset-link poisoning: the link comes from ELEARNING_BASE_URL, not from Host or
    X-Forwarded-Host (behind a proxy that forwards them)."""
    # The request arrives by another name the platform answers to (an internal one), with a
    # forwarded host an attacker wrote: neither may reach the link.
    app = make_app(BASE_URL=PUBLIC, PROXY_COUNT=1, TRUSTED_HOSTS=("app.internal",))
    create_user(email="trainer@example.org", role=Role.trainer)
    client = app.test_client()
    forwarded = {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"}
    done = post_form(
        client, "/password/forgot", headers=forwarded, base_url="https://app.internal",
        email="trainer@example.org",
    )  # fmt: skip
    assert done.status_code == 200
    [message] = mailbox.to("trainer@example.org")
    links = re.findall(r"https?://[^\s]+", message.get_content())
    assert links and all(link.startswith(PUBLIC + "/") for link in links)
    assert "evil.example" not in message.get_content()
    assert "app.internal" not in message.get_content()


def test_a_request_for_another_host_is_refused(make_app):
    """TRUSTED_HOSTS: a Host the platform does not answer to gets 400, not a page."""
    app = make_app(BASE_URL=PUBLIC)
    client = app.test_client()
    refused = client.get("/password/forgot", headers={"Host": "evil.example"})
    assert refused.status_code == 400 and b"does not answer to that host" in refused.data
    assert client.get("/password/forgot", headers={"Host": "ethics.example.org"}).status_code == 200


def test_production_needs_a_public_https_address_and_a_strong_key(tmp_path):
    environ = {"ELEARNING_ENV": "production", "ELEARNING_SECRET_KEY": STRONG_KEY}
    with pytest.raises(ConfigError, match="ELEARNING_BASE_URL"):
        load_settings(tmp_path, environ=environ)
    with pytest.raises(ConfigError, match="https"):
        load_settings(tmp_path, environ={**environ, "ELEARNING_BASE_URL": "http://e.example"})
    settings = load_settings(tmp_path, environ={**environ, "ELEARNING_BASE_URL": PUBLIC})
    assert settings["TRUSTED_HOSTS"] == ("ethics.example.org",)
    for weak in ("x", "changeme", "a" * 64, "0123456789abcdef"):
        with pytest.raises(ConfigError, match="too weak") as refused:
            load_settings(
                tmp_path, environ={**environ, "ELEARNING_BASE_URL": PUBLIC,
                                   "ELEARNING_SECRET_KEY": weak},
            )  # fmt: skip
        assert "secrets.token_hex(32)" in str(refused.value)  # how to make a good one


# --- accounts nobody can take over ------------------------------------------------------------


def test_whoever_signs_up_first_cannot_keep_their_password(make_app, mailbox):
    """Pre-account takeover: an attacker registers the victim's address; the victim signs up
    and activates with their own link; only the victim's password opens the account."""
    app = make_app()
    profile = {"certificate_name": "Judge Victim", "country": "KE", "preferred_language": "en"}
    attacker, victim = app.test_client(), app.test_client()
    post_form(attacker, "/signup", email="victim@example.org", password="attacker chosen words",
              confirm="attacker chosen words", **profile)  # fmt: skip
    post_form(victim, "/signup", email="victim@example.org", password=PASSWORD,
              confirm=PASSWORD, **profile)  # fmt: skip
    link = mailbox.last_link("victim@example.org")  # the victim's own sign-up's link
    post_form(victim, link)
    assert _sign_in(app, "victim@example.org", PASSWORD).status_code == 302
    assert _sign_in(app, "victim@example.org", "attacker chosen words").status_code == 200
    # The other way round: the victim signs up, the attacker signs up again before the victim
    # opens their link; the link still applies the victim's own password.
    post_form(app.test_client(), "/signup", email="later@example.org", password=PASSWORD,
              confirm=PASSWORD, **profile)  # fmt: skip
    link = mailbox.last_link("later@example.org")
    post_form(app.test_client(), "/signup", email="later@example.org",
              password="attacker chosen words", confirm="attacker chosen words",
              **profile)  # fmt: skip
    post_form(app.test_client(), link)
    assert _sign_in(app, "later@example.org", PASSWORD).status_code == 302
    assert _sign_in(app, "later@example.org", "attacker chosen words").status_code == 200


def _sign_in(app, email: str, password: str):
    client = app.test_client()
    return AuthActions(client, lambda path: csrf_token_of(client, path)).login(email, password)


def test_sign_up_and_reset_do_the_same_work_whether_or_not_the_account_exists(
    app, client, create_user, monkeypatch
):
    """Enumeration by timing: both paths hash the password once and queue one e-mail."""
    create_user(email="known@example.org")
    hashes = []
    real_hash = accounts.hash_password
    monkeypatch.setattr(accounts, "hash_password", lambda pw: hashes.append(1) or real_hash(pw))
    profile = {"certificate_name": "Judge Someone", "country": "KE", "preferred_language": "en",
               "password": PASSWORD, "confirm": PASSWORD}  # fmt: skip
    work = []
    for email in ("known@example.org", "new@example.org"):
        hashes.clear()
        before = _messages(app)
        assert post_form(client, "/signup", email=email, **profile).status_code == 200
        work.append((len(hashes), _messages(app) - before))
    assert work[0] == work[1] == (1, 1)
    for email in ("known@example.org", "nobody@example.org"):
        before = _messages(app)
        assert post_form(client, "/password/forgot", email=email).status_code == 200
        assert _messages(app) - before == 1


def _messages(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(OutboxMessage))


def test_only_the_digest_of_a_mailed_token_is_stored(app, client, create_user, mailbox):
    create_user(email="judge@example.org")
    post_form(client, "/password/forgot", email="judge@example.org")
    token = mailbox.last_link("judge@example.org").rsplit("/", 1)[1]
    with app.app_context():
        stored = db.session.scalars(select(AccountToken)).all()
        assert [row.token_hash for row in stored] == [accounts.token_digest(token)]
        for row in db.session.scalars(select(OutboxMessage)):
            assert token not in repr(row.context)  # the job made the link; no table holds it
    assert token not in accounts.token_digest(token)


def test_signing_in_starts_a_new_session(app, client, create_user):
    """Session fixation: what a visitor's session held (its CSRF secret, set by whoever planted
    the cookie) does not survive signing in."""
    create_user(email="judge@example.org")
    client.get("/signin")
    before = _session(app, client)
    assert before.get("csrf_token")
    _sign_in_with(client, "judge@example.org")
    after = _session(app, client)
    assert after.get("_user_id") and after.get("csrf_token") != before["csrf_token"]


def _sign_in_with(client, email):
    return AuthActions(client, lambda path: csrf_token_of(client, path)).login(email)


def _session(app, client) -> dict:
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    serializer = app.session_interface.get_signing_serializer(app)
    return dict(serializer.loads(cookie.value)) if cookie else {}


def test_an_older_password_hash_is_upgraded_at_sign_in(app, create_user):
    from argon2 import PasswordHasher

    user = create_user(email="judge@example.org")
    weaker = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    with app.app_context():
        db.session.get(User, user.id).password_hash = weaker
        db.session.commit()
    assert _sign_in(app, "judge@example.org", PASSWORD).status_code == 302
    with app.app_context():
        upgraded = db.session.get(User, user.id).password_hash
    assert upgraded != weaker and not HASHER.check_needs_rehash(upgraded)


# --- rate limits that hold --------------------------------------------------------------------


def test_sign_in_is_limited_per_e_mail_from_many_addresses(make_app):
    """The per-e-mail limit, alone: the addresses change, the account is the same."""
    app = make_app(LOGIN_RATE_LIMIT="3 per minute")
    statuses = []
    for n in range(5):
        client = app.test_client()
        environ = {"REMOTE_ADDR": f"10.1.0.{n}"}
        statuses.append(
            post_form(
                client,
                "/signin",
                environ=environ,
                email="target@example.org",
                password=f"guess {n}",
            ).status_code  # fmt: skip
        )
    assert statuses == [200, 200, 200, 429, 429]


def test_forwarded_addresses_are_believed_only_from_the_proxy(make_app):
    """With a proxy configured, a client reaching the application port directly cannot pick a
    new address for every try."""
    app = make_app(PROXY_COUNT=1, TRUSTED_PROXIES=("10.9.9.9",), LOGIN_RATE_LIMIT="3 per minute")
    statuses = []
    for n in range(5):
        client = app.test_client()
        headers = {"X-Forwarded-For": f"203.0.113.{n}"}
        statuses.append(
            post_form(client, "/signin", headers=headers, environ={"REMOTE_ADDR": "198.51.100.7"},
                      email=f"guess{n}@example.org", password="a guess").status_code
        )  # fmt: skip
    assert statuses[3:] == [429, 429]
    # Through the proxy, each client is counted on its own address.
    through = [
        post_form(app.test_client(), "/signin", headers={"X-Forwarded-For": f"203.0.113.{n}"},
                  environ={"REMOTE_ADDR": "10.9.9.9"}, email=f"other{n}@example.org",
                  password="a guess").status_code
        for n in range(5)
    ]  # fmt: skip
    assert through == [200] * 5


def test_limits_are_shared_by_every_worker_by_default(make_app):
    """The default store is the database: two app processes (workers) count together."""
    settings = {"RATELIMIT_STORAGE_URI": "database://", "LOGIN_RATE_LIMIT": "3 per minute"}
    first, second = make_app(**settings), make_app(**settings)
    statuses = [
        post_form(app.test_client(), "/signin", email="target@example.org",
                  password="a guess").status_code
        for app in (first, second, first, second)
    ]  # fmt: skip
    assert statuses == [200, 200, 200, 429]


def test_an_unreachable_rate_limit_store_degrades_visibly_not_with_an_error(make_app):
    app = make_app(RATELIMIT_STORAGE_URI="redis://127.0.0.1:1", LOGIN_RATE_LIMIT="2 per minute")
    client = app.test_client()
    statuses = [
        post_form(client, "/signin", email="a@example.org", password="a guess").status_code
        for _ in range(3)
    ]
    assert statuses == [200, 200, 429]  # still limited, per process
    assert client.get("/verify").status_code == 200
    health = client.get("/healthz")
    assert health.status_code == 200 and health.json["status"] == "degraded"
    assert health.json["rate_limits"].startswith("unavailable")


# --- who may do what to a cohort ----------------------------------------------------------------


def test_adding_a_co_trainer_tells_nothing_about_accounts_that_are_not_trainers(app, create_user):
    trainer = create_user(email="trainer@example.org", role=Role.trainer)
    create_user(email="learner@example.org", name="Judge Private Learner")
    create_user(email="gone@example.org", role=Role.trainer, name="Judge Disabled Trainer")
    with app.app_context():
        from elearning.catalog import get_catalog
        from elearning.cohorts import services as cohorts

        db.session.scalar(
            select(User).where(User.email == "gone@example.org")
        ).disabled_at = func.now()
        cohort = cohorts.create_cohort(
            db.session,
            course=get_catalog().course("sample"),
            details=cohorts.CohortDetails(name="Intake"),
            creator=db.session.get(User, trainer.id),
        )
        db.session.commit()
        cohort_id = cohort.id
    client = app.test_client()
    _sign_in_with(client, "trainer@example.org")
    pages = []
    for email in ("learner@example.org", "gone@example.org", "nobody@example.org"):
        done = client.post(
            f"/cohorts/{cohort_id}/trainers",
            data={"email": email, "csrf_token": csrf_token_of(client, f"/cohorts/{cohort_id}")},
        )
        pages.append(client.get(done.headers["Location"]).text)
    flashes = [re.search(r'class="flash[^"]*"[^>]*>(.*?)<', page, re.S)[1] for page in pages]
    assert flashes[0] == flashes[1] == flashes[2]
    assert all("Private Learner" not in page and "Disabled Trainer" not in page for page in pages)


def test_two_admins_demoting_each_other_at_once_leave_one_admin(app, create_user):
    """On PostgreSQL the active admins' rows are locked while one demotion decides; on SQLite
    the writes are serialized by the database. Either way one admin stays."""
    from elearning.accounts.roles import LastAdminError, change_role

    first = create_user(email="first@example.org", role=Role.admin)
    second = create_user(email="second@example.org", role=Role.admin)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def demote(actor_id: int, target_id: int) -> None:
        with app.app_context():
            try:
                actor, target = db.session.get(User, actor_id), db.session.get(User, target_id)
                barrier.wait(timeout=10)
                change_role(db.session, actor=actor, user=target, role=Role.learner)
                db.session.commit()
                outcomes.append("demoted")
            except LastAdminError:
                db.session.rollback()
                outcomes.append("refused")
            except Exception as error:  # noqa: BLE001 - SQLite's "database is locked"
                db.session.rollback()
                outcomes.append(type(error).__name__)

    threads = [
        threading.Thread(target=demote, args=(first.id, second.id)),
        threading.Thread(target=demote, args=(second.id, first.id)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert outcomes.count("demoted") <= 1, outcomes
    with app.app_context():
        admins = db.session.scalar(
            select(func.count()).select_from(User).where(User.role == Role.admin)
        )
    assert admins == 1, outcomes


# --- the rest -----------------------------------------------------------------------------------


def test_the_csrf_token_is_never_the_same_twice_in_a_page(app, client):
    """BREACH: a compressed page must carry no constant secret next to reflected text."""
    pages = [client.get("/verify?code=anything").text for _ in range(3)]
    tokens = [re.findall(r'name="csrf_token" type="hidden" value="([^"]+)"', p)[0] for p in pages]
    assert len(set(tokens)) == 3
    raw = _session(app, client)["csrf_token"]
    assert all(raw not in page for page in pages)


def test_a_line_separator_in_a_cohort_name_is_refused_and_mail_subjects_stay_one_line(
    app, create_user
):
    from elearning.mail import build_message

    create_user(email="trainer@example.org", role=Role.trainer)
    client = app.test_client()
    _sign_in_with(client, "trainer@example.org")
    refused = post_form(client, "/cohorts/new", name="Intake\u2028Bcc: x@example.org",
                        course="sample")  # fmt: skip
    assert refused.status_code == 200 and "invisible control characters" in refused.text
    message = build_message("a@example.org", "b@example.org", "Join A\u2028B\nC", "body")
    assert message["Subject"] == "Join A B C"


def test_report_pdfs_are_limited_and_served_from_the_stored_copy(
    make_app, create_user, monkeypatch
):
    app = make_app(REPORT_PDF_RATE_LIMIT="2 per hour")
    trainer = create_user(email="trainer@example.org", role=Role.trainer)
    with app.app_context():
        from elearning.catalog import get_catalog
        from elearning.cohorts import services as cohorts

        cohort = cohorts.create_cohort(
            db.session,
            course=get_catalog().course("sample"),
            details=cohorts.CohortDetails(name="Intake"),
            creator=db.session.get(User, trainer.id),
        )
        db.session.commit()
        cohort_id = cohort.id
    client = app.test_client()
    _sign_in_with(client, "trainer@example.org")
    renders = []
    monkeypatch.setattr(
        tasks, "render_report_pdf", lambda html: renders.append(html) or b"%PDF-1.7 report"
    )
    url = f"/cohorts/{cohort_id}/report.pdf"
    first = client.get(url)  # queues the rendering (the test's jobs run at once, after commit)
    assert first.status_code == 202 and "being prepared" in first.text
    assert 'http-equiv="refresh"' in first.text
    ready = client.get(url)
    assert ready.status_code == 200 and ready.data == b"%PDF-1.7 report"
    assert client.get(url).data == ready.data and len(renders) == 1  # the stored copy
    # Only renderings count against the limit: downloads of the stored copy do not.
    assert all(client.get(url).status_code == 200 for _ in range(3))
    with app.app_context():  # the cohort changes: a new rendering, the second allowed
        cohort = db.session.get(Cohort, cohort_id)
        cohort.name = "Intake, renamed"
        db.session.commit()
    assert client.get(url).status_code == 202 and len(renders) == 2
    assert client.get(url).status_code == 200
    with app.app_context():
        db.session.get(Cohort, cohort_id).name = "Intake, renamed again"
        db.session.commit()
    assert client.get(url).status_code == 429 and len(renders) == 2
    with app.app_context():  # over the limit, a stored copy is still served
        db.session.get(Cohort, cohort_id).name = "Intake, renamed"
        db.session.commit()
    assert client.get(url).status_code == 200


def test_json_answers_are_never_cached(app, client):
    for path in ("/healthz", "/api/verify/7K3QM9XD2HNTR8WA", "/api/verify/NOPE"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path


def test_pending_invitation_shows_the_trainer_nothing_of_the_judge(app, create_user, mailbox):
    """Consent: a judge named in a file is invisible to the trainer, record and scores alike,
    until they accept."""
    from elearning.assessments import services as assessments
    from elearning.catalog import get_catalog
    from elearning.cohorts import invitations
    from elearning.cohorts import services as cohorts
    from elearning.demo import take_assessment
    from elearning.learning import services as learning
    from elearning.sqltypes import utcnow

    trainer = create_user(email="trainer@example.org", role=Role.trainer)
    judge = create_user(email="scored@example.org", name="Judge Has Scores")
    import random

    with app.app_context():
        course = get_catalog().course("sample")
        enrolment = learning.enrol(db.session, judge.id, course)
        db.session.flush()
        take_assessment(db.session, course, enrolment.id, "pre", 1.0, random.Random(1), utcnow())
        cohort = cohorts.create_cohort(
            db.session, course=course, details=cohorts.CohortDetails(name="Intake"),
            creator=db.session.get(User, trainer.id),
        )  # fmt: skip
        db.session.flush()
        from types import SimpleNamespace

        invitations.invite_participants(
            db.session, cohort,
            [SimpleNamespace(email="scored@example.org", name="Judge Has Scores", country="KE",
                             institution="", position="", language=None)],
            invited_by=db.session.get(User, trainer.id), now=utcnow(),
        )  # fmt: skip
        db.session.commit()
        cohort_id = cohort.id
        assert assessments.attempts_of(db.session, enrolment.id)
    client = app.test_client()
    _sign_in_with(client, "trainer@example.org")
    roster = client.get(f"/cohorts/{cohort_id}/roster").text
    assert "waiting for an answer" in roster and "Nobody has joined yet" in roster
    for path in ("report", "roster.csv", "items.csv"):
        assert "Has Scores" not in client.get(f"/cohorts/{cohort_id}/{path}").text, path
