"""Admins manage roles and accounts; every change is in the audit log."""

from sqlalchemy import select

from elearning.accounts.models import Role, User
from elearning.audit.models import AuditEvent
from elearning.extensions import db
from tests.helpers import csrf_token_of, issued_to


def test_admin_promotes_a_learner_to_trainer_and_it_is_audited(
    app, client, auth, csrf, create_user
):
    admin = create_user(email="admin@example.org", role=Role.admin)
    judge = create_user(email="judge@example.org", name="Judge Promoted")
    auth.login(admin.email)
    page = client.get("/admin/users?q=promoted")
    assert "Judge Promoted" in page.text and "admin@example.org" not in page.text
    url = f"/admin/users/{judge.id}"
    response = client.post(
        url, data={"role": "trainer", "csrf_token": csrf(url)}, follow_redirects=True
    )
    assert "is now Trainer" in response.text
    with app.app_context():
        assert db.session.get(User, judge.id).role is Role.trainer
        event = db.session.scalar(select(AuditEvent))
        assert (event.action, event.actor_id, event.subject_id) == (
            "user.role_changed",
            admin.id,
            judge.id,
        )
        assert event.details == {"from": "learner", "to": "trainer", "email": judge.email}
    log = client.get("/admin/audit").text
    assert "user.role_changed" in log and "admin@example.org" in log


def test_role_change_ends_the_sessions_of_the_changed_user(app, client, auth, csrf, create_user):
    admin = create_user(role=Role.admin)
    trainer = create_user(role=Role.trainer)
    trainer_client = app.test_client()
    token = csrf_token_of(trainer_client, "/signin")
    trainer_client.post(
        "/signin",
        data={
            "email": trainer.email,
            "csrf_token": token,
            "password": "correct horse battery staple",
        },
    )
    assert trainer_client.get("/dashboard").status_code == 200
    auth.login(admin.email)
    url = f"/admin/users/{trainer.id}"
    client.post(url, data={"role": "learner", "csrf_token": csrf(url)})
    assert trainer_client.get("/dashboard").status_code == 302


def test_the_last_admin_cannot_be_demoted_or_disabled(app, client, auth, csrf, create_user):
    admin = create_user(role=Role.admin)
    auth.login(admin.email)
    url = f"/admin/users/{admin.id}"
    response = client.post(
        url, data={"role": "learner", "csrf_token": csrf(url)}, follow_redirects=True
    )
    assert "needs at least one active admin" in response.text
    response = client.post(f"{url}/status", data={"csrf_token": csrf(url)}, follow_redirects=True)
    assert "needs at least one active admin" in response.text
    with app.app_context():
        stored = db.session.get(User, admin.id)
        assert stored.role is Role.admin and stored.disabled_at is None


def test_disabling_an_account_signs_it_out(app, client, auth, csrf, create_user):
    admin = create_user(role=Role.admin)
    judge = create_user()
    judge_client = app.test_client()
    token = csrf_token_of(judge_client, "/signin")
    judge_client.post(
        "/signin",
        data={
            "email": judge.email,
            "csrf_token": token,
            "password": "correct horse battery staple",
        },
    )
    auth.login(admin.email)
    url = f"/admin/users/{judge.id}"
    response = client.post(f"{url}/status", data={"csrf_token": csrf(url)}, follow_redirects=True)
    assert "disabled and signed out everywhere" in response.text
    assert judge_client.get("/dashboard").status_code == 302
    with app.app_context():
        assert [e.action for e in db.session.scalars(select(AuditEvent))] == ["user.disabled"]


def test_trainers_cannot_manage_users(client, auth, csrf, create_user):
    trainer = create_user(role=Role.trainer)
    judge = create_user()
    auth.login(trainer.email)
    assert client.get("/admin/users").status_code == 403
    token = csrf("/account/profile")
    response = client.post(f"/admin/users/{judge.id}", data={"role": "admin", "csrf_token": token})
    assert response.status_code == 403


def test_unknown_user_id_is_a_plain_404(client, auth, create_user):
    auth.login(create_user(role=Role.admin).email)
    assert client.get("/admin/users/999999").status_code == 404


def test_dashboard_shows_admins_the_accounts_by_role(client, auth, create_user):
    auth.login(create_user(role=Role.admin).email)
    create_user()
    create_user()
    page = client.get("/dashboard").text
    assert "Active accounts by role" in page
    assert '<th scope="row">Learner</th><td class="num">2</td>' in page


def test_search_folds_case_in_every_alphabet_and_takes_wildcards_literally(
    app, client, auth, create_user
):
    admin = create_user(email="admin@example.org", role=Role.admin)
    issued_to(app, create_user, email="irina@example.org", name="Судья Ирина Волкова")
    create_user(email="elise@example.org", name="Élise Łukasiewicz")
    create_user(email="other@example.org", name="Judge 50% Other")
    auth.login(admin.email)
    for typed in ("Волкова", "ВОЛКОВА", "волкова", "судья ирина"):
        users = client.get("/admin/users", query_string={"q": typed}).text
        assert "irina@example.org" in users and "elise@example.org" not in users, typed
        certificates = client.get("/admin/certificates", query_string={"q": typed}).text
        assert "Судья Ирина Волкова" in certificates, typed
    for typed in ("élise", "ÉLISE", "łukasiewicz"):
        assert "elise@example.org" in client.get("/admin/users", query_string={"q": typed}).text
    # "%" and "_" are letters typed, not patterns: they match only themselves.
    found = client.get("/admin/users", query_string={"q": "%"}).text
    assert "other@example.org" in found and "elise@example.org" not in found
    assert "irina@example.org" not in client.get("/admin/users", query_string={"q": "_"}).text
