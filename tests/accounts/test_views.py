"""Account pages end to end through HTTP: what a person sees and what is stored."""

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from sqlalchemy import func, select, update

from elearning.accounts.models import AccountToken, User
from elearning.extensions import db
from elearning.sqltypes import utcnow
from tests.helpers import Mailbox, csrf_token_of, same_page

SIGN_UP = {
    "email": "amina.yusuf@example.org",
    "password": "independence and integrity",
    "confirm": "independence and integrity",
    "certificate_name": "Hon. Justice Amina Yusuf",
    "country": "KE",
    "institution": "High Court of Kenya",
    "position": "Judge",
    "preferred_language": "",
}


def _count_users(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def _sign_up(client, csrf, **changes):
    return client.post("/signup", data={**SIGN_UP, **changes, "csrf_token": csrf("/signup")})


def test_sign_up_activate_and_reach_the_dashboard(app, client, csrf, mailbox):
    response = _sign_up(client, csrf)
    assert response.status_code == 200
    assert "Check your e-mail" in response.text
    [message] = mailbox.to("amina.yusuf@example.org")
    assert message["Subject"] == "Activate your account"
    link = mailbox.last_link("amina.yusuf@example.org")

    # Opening the link (as a mail scanner would) activates nothing.
    page = client.get(link)
    assert page.status_code == 200 and "Activate my account" in page.text
    assert client.get("/dashboard").status_code == 302

    response = client.post(link, data={"csrf_token": csrf(link)}, follow_redirects=True)
    assert "Welcome, Hon. Justice Amina Yusuf" in response.text
    assert "High Court of Kenya" in response.text
    assert client.post(link, data={"csrf_token": csrf("/account/profile")}).status_code == 404


def test_sign_in_before_activation_explains_what_to_do(client, csrf):
    _sign_up(client, csrf)
    response = client.post(
        "/signin",
        data={
            "email": SIGN_UP["email"],
            "password": SIGN_UP["password"],
            "csrf_token": csrf("/signin"),
        },
    )
    assert "not active yet" in response.text


def test_duplicate_email_shows_the_same_page_and_mails_the_owner(
    app, client, csrf, mailbox, create_user
):
    create_user(email="amina.yusuf@example.org", name="Amina Yusuf")
    response = _sign_up(client, csrf, email="Amina.Yusuf@EXAMPLE.org")
    assert "Check your e-mail" in response.text
    assert _count_users(app) == 1
    [message] = mailbox.to("amina.yusuf@example.org")
    assert message["Subject"] == "You already have an account"


def test_sign_up_page_reveals_nothing_about_existing_accounts(client, csrf, create_user):
    create_user(email="known@example.org")
    known = _sign_up(client, csrf, email="known@example.org").text
    unknown = _sign_up(client, csrf, email="unknown@example.org").text
    assert same_page(known.replace("known@", "X@"), unknown.replace("unknown@", "X@"))


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"email": "not-an-email"}, "email", "Enter an e-mail address like name@example.org."),
        ({"email": ""}, "email", "Enter your e-mail address."),
        ({"email": "a" * 250 + "@example.org"}, "email", "at most 254 characters"),
        ({"password": "short", "confirm": "short"}, "password", "Use at least 8 characters."),
        (
            {"password": "password123", "confirm": "password123"},
            "password",
            "one of the most commonly used",
        ),
        ({"confirm": "something else"}, "confirm", "The two passwords are not the same."),
        ({"certificate_name": ""}, "certificate_name", "Enter your name as it must appear"),
        ({"certificate_name": "x" * 201}, "certificate_name", "Use at most 200 characters."),
        ({"certificate_name": "Amina\x00Yusuf"}, "certificate_name", "control characters"),
        ({"institution": "y" * 5000}, "institution", "Use at most 200 characters."),
        ({"country": "XX"}, "country", "Not a valid choice"),
    ],
)
def test_sign_up_bad_input_is_explained_next_to_the_field(
    app, client, csrf, mailbox, changes, field, message
):
    response = _sign_up(client, csrf, **changes)
    assert response.status_code == 200
    assert f'id="{field}-error"' in response.text
    assert message in response.text
    assert (
        f'aria-describedby="{field}-hint {field}-error"' in response.text
        or f'aria-describedby="{field}-error"' in response.text
    )
    assert _count_users(app) == 0
    assert mailbox.messages() == []


def test_forms_without_csrf_token_are_refused_and_change_nothing(app, client):
    response = client.post("/signup", data=SIGN_UP)
    assert response.status_code == 400
    assert "This form has expired" in response.text
    assert _count_users(app) == 0


def test_oversized_fields_and_requests_are_refused_cleanly(app, client, csrf):
    response = _sign_up(client, csrf, institution="z" * (2 * 1024 * 1024))
    assert response.status_code == 200
    assert "Use at most 200 characters." in response.text
    response = _sign_up(client, csrf, institution="z" * (17 * 1024 * 1024))
    assert response.status_code == 413
    assert "larger than the platform accepts" in response.text
    assert _count_users(app) == 0


def test_sign_in_failures_look_the_same_for_known_and_unknown_emails(client, csrf, create_user):
    create_user(email="known@example.org")
    wrong_password = client.post(
        "/signin",
        data={
            "email": "known@example.org",
            "password": "not the password",
            "csrf_token": csrf("/signin"),
        },
    )
    unknown = client.post(
        "/signin",
        data={
            "email": "unknown@example.org",
            "password": "not the password",
            "csrf_token": csrf("/signin"),
        },
    )
    assert wrong_password.status_code == unknown.status_code == 200
    assert "The e-mail address or the password is not right." in wrong_password.text
    assert same_page(
        wrong_password.text.replace("known@", "X@"), unknown.text.replace("unknown@", "X@")
    )


def test_sign_in_goes_to_the_dashboard_or_a_local_next_page(client, csrf, create_user):
    user = create_user()
    response = client.post(
        "/signin?next=/account/profile",
        data={
            "email": user.email,
            "password": "correct horse battery staple",
            "csrf_token": csrf("/signin"),
        },
    )
    assert response.headers["Location"] == "/account/profile"


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"],
)
def test_sign_in_never_redirects_off_site(client, csrf, create_user, target):
    user = create_user()
    response = client.post(
        "/signin",
        query_string={"next": target},
        data={
            "email": user.email,
            "password": "correct horse battery staple",
            "csrf_token": csrf("/signin"),
        },
    )
    assert response.headers["Location"] == "/dashboard"


def test_disabled_accounts_cannot_sign_in(app, client, csrf, create_user):
    user = create_user()
    with app.app_context():
        db.session.execute(update(User).values(disabled_at=func.now()))
        db.session.commit()
    response = client.post(
        "/signin",
        data={
            "email": user.email,
            "password": "correct horse battery staple",
            "csrf_token": csrf("/signin"),
        },
    )
    assert "The e-mail address or the password is not right." in response.text


def test_sign_out_invalidates_every_copy_of_the_session(app, client, auth, create_user):
    user = create_user()
    auth.login(user.email)
    stolen = app.test_client()
    stolen.set_cookie("elearning_session", client.get_cookie("elearning_session").value)
    assert stolen.get("/dashboard").status_code == 200
    auth.logout()
    assert client.get("/dashboard").status_code == 302
    assert stolen.get("/dashboard").status_code == 302  # the replayed cookie no longer works


def test_sign_out_needs_post_and_csrf(client, auth, create_user):
    user = create_user()
    auth.login(user.email)
    assert client.get("/signout").status_code == 405
    client.post("/signout", data={})
    assert client.get("/dashboard").status_code == 200


def test_password_change_signs_out_other_devices_but_not_this_one(
    app, client, auth, csrf, create_user
):
    user = create_user()
    auth.login(user.email)
    other_device = app.test_client()
    other_device.set_cookie("elearning_session", client.get_cookie("elearning_session").value)

    response = client.post(
        "/account/password",
        data={
            "current_password": "correct horse battery staple",
            "password": "a much better passphrase",
            "confirm": "a much better passphrase",
            "csrf_token": csrf("/account/password"),
        },
        follow_redirects=True,
    )
    assert "Other devices have been signed out." in response.text
    assert client.get("/dashboard").status_code == 200
    assert other_device.get("/dashboard").status_code == 302
    auth.logout()
    assert auth.login(user.email, "a much better passphrase").headers["Location"] == "/dashboard"


def test_password_change_with_wrong_current_password(client, auth, csrf, create_user):
    user = create_user()
    auth.login(user.email)
    response = client.post(
        "/account/password",
        data={
            "current_password": "wrong",
            "password": "a much better passphrase",
            "confirm": "a much better passphrase",
            "csrf_token": csrf("/account/password"),
        },
    )
    assert "This is not your current password." in response.text
    auth.logout()
    assert auth.login(user.email).headers["Location"] == "/dashboard"


def test_forgotten_password_flow(app, client, csrf, mailbox, auth, create_user):
    user = create_user(email="li.wei@example.org")
    response = client.post(
        "/password/forgot",
        data={"email": "LI.WEI@example.org", "csrf_token": csrf("/password/forgot")},
    )
    assert "If an account uses" in response.text
    link = mailbox.last_link("li.wei@example.org")
    response = client.post(
        link,
        data={
            "password": "a fresh passphrase here",
            "confirm": "a fresh passphrase here",
            "csrf_token": csrf(link),
        },
        follow_redirects=True,
    )
    assert "Your password is changed." in response.text
    assert auth.login(user.email, "a fresh passphrase here").headers["Location"] == "/dashboard"
    # The link is spent.
    assert client.get(link).status_code == 404
    assert "This link no longer works" in client.get(link).text


def test_forgotten_password_for_unknown_email_looks_the_same(client, csrf, mailbox, create_user):
    create_user(email="known@example.org")
    known = client.post(
        "/password/forgot",
        data={"email": "known@example.org", "csrf_token": csrf("/password/forgot")},
    )
    unknown = client.post(
        "/password/forgot",
        data={"email": "unknown@example.org", "csrf_token": csrf("/password/forgot")},
    )
    assert same_page(known.text.replace("known@", "X@"), unknown.text.replace("unknown@", "X@"))
    # Only the account's owner gets a link; the unknown address is told why none came.
    assert "/password/reset/" in mailbox.to("known@example.org")[0].get_content()
    [told] = mailbox.to("unknown@example.org")
    assert "/password/reset/" not in told.get_content()


def test_expired_reset_link_is_refused(app, client, csrf, mailbox, create_user):
    user = create_user()
    client.post(
        "/password/forgot", data={"email": user.email, "csrf_token": csrf("/password/forgot")}
    )
    link = mailbox.last_link(user.email)
    with app.app_context():
        db.session.execute(update(AccountToken).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    response = client.post(
        link,
        data={
            "password": "a fresh passphrase here",
            "confirm": "a fresh passphrase here",
            "csrf_token": csrf("/signin"),
        },
    )
    assert response.status_code == 404
    assert "This link no longer works" in response.text


def test_reset_with_a_weak_password_keeps_the_link_usable(client, csrf, mailbox, create_user):
    user = create_user()
    client.post(
        "/password/forgot", data={"email": user.email, "csrf_token": csrf("/password/forgot")}
    )
    link = mailbox.last_link(user.email)
    response = client.post(
        link, data={"password": "12345678", "confirm": "12345678", "csrf_token": csrf(link)}
    )
    assert "one of the most commonly used" in response.text
    assert client.get(link).status_code == 200


def test_profile_edit(client, auth, csrf, create_user):
    user = create_user(name="Judge Old Name")
    auth.login(user.email)
    response = client.post(
        "/account/profile",
        data={
            "certificate_name": "القاضية فاطمة الزهراء",
            "country": "MA",
            "institution": "Cour de cassation",
            "position": "Conseillère",
            "preferred_language": "fr",
            "csrf_token": csrf("/account/profile"),
        },
        follow_redirects=True,
    )
    assert "القاضية فاطمة الزهراء" in response.text
    assert re.search(r'<option (selected value="MA"|value="MA" selected)', response.text)
    assert '<html lang="fr"' in response.text  # the preferred language now applies


def test_profile_bad_input_changes_nothing(app, client, auth, csrf, create_user):
    user = create_user(name="Judge Kept Name")
    auth.login(user.email)
    response = client.post(
        "/account/profile",
        data={"certificate_name": "", "country": "KE", "csrf_token": csrf("/account/profile")},
    )
    assert "Enter your name as it must appear" in response.text
    with app.app_context():
        assert db.session.get(User, user.id).certificate_name == "Judge Kept Name"


def test_sign_in_is_rate_limited_per_email(make_app, create_user):
    app = make_app(LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    responses = []
    for attempt in range(5):
        token = csrf_token_of(client, "/signin")
        responses.append(
            client.post(
                "/signin",
                data={
                    "email": "target@example.org",
                    "password": f"guess {attempt}",
                    "csrf_token": token,
                },
            )
        )
    assert [r.status_code for r in responses] == [200, 200, 200, 429, 429]
    assert "Too many attempts" in responses[-1].text


def test_password_reset_requests_are_rate_limited(make_app):
    app = make_app(RESET_RATE_LIMIT="2 per minute")
    client = app.test_client()
    statuses = []
    for _ in range(3):
        token = csrf_token_of(client, "/password/forgot")
        statuses.append(
            client.post(
                "/password/forgot", data={"email": "target@example.org", "csrf_token": token}
            ).status_code
        )
    assert statuses == [200, 200, 429]


def test_a_mail_server_outage_loses_no_e_mail(make_app, tmp_path):
    """The page does not wait for the mail server, nor depend on it: the message waits in the
    outbox, with the error, and leaves once the server answers again."""
    from elearning.outbox.models import OutboxMessage
    from elearning.outbox.tasks import deliver

    app = make_app(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=1, SMTP_STARTTLS=False)
    client = app.test_client()
    token = csrf_token_of(client, "/signup")
    response = client.post("/signup", data={**SIGN_UP, "csrf_token": token})
    assert response.status_code == 200 and "Check your e-mail" in response.text
    with app.app_context():
        [waiting] = db.session.scalars(select(OutboxMessage)).all()
        assert waiting.status == "pending" and waiting.attempts == 1 and waiting.last_error
        app.config.update(MAIL_BACKEND="file", MAIL_DIR=str(tmp_path / "later"))
        deliver.call_local(waiting.id)
    [sent] = Mailbox(tmp_path / "later").to(SIGN_UP["email"])
    assert "/activate/" in sent.get_content()


def test_rate_limits_can_live_in_redis(make_app):
    """Several processes or hosts share one count when the storage is Redis."""
    import uuid

    import redis

    prefix = f"test-{uuid.uuid4().hex}"
    settings = {
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379",
        "RATELIMIT_KEY_PREFIX": prefix,
        "LOGIN_RATE_LIMIT": "2 per minute",
    }
    first_host, second_host = make_app(**settings), make_app(**settings)
    statuses = []
    for app in (first_host, second_host, second_host):
        client = app.test_client()
        token = csrf_token_of(client, "/signin")
        statuses.append(
            client.post(
                "/signin",
                data={
                    "email": "target@example.org",
                    "password": "a guess",
                    "csrf_token": token,
                },
            ).status_code
        )
    assert statuses == [200, 200, 429]
    store = redis.Redis(host="127.0.0.1", port=6379)
    counters = store.keys(f"*{prefix}*")
    assert counters, "the counts were not kept in Redis"
    store.delete(*counters)
    store.close()


def _country_names(html: str) -> list[str]:
    select = html[
        html.index('<select id="country"') : html.index(
            "</select>", html.index('<select id="country"')
        )
    ]
    return [
        unescape(name)
        for name in re.findall(r'<option value="[A-Z]{2}"[^>]*>([^<]+)</option>', select)
    ]


def test_countries_are_real_ones_in_the_reader_s_alphabetical_order(client, csrf):
    english = _country_names(client.get("/signup").text)
    assert "Pseudo-Accents" not in english and "Pseudo-Bidi" not in english
    assert "Antarctica" not in english and "Canary Islands" not in english
    assert english.index("Afghanistan") < english.index("Åland Islands") < english.index("Albania")
    assert english.index("Costa Rica") < english.index("Côte d’Ivoire") < english.index("Croatia")
    assert english[-1] == "Zimbabwe" and "Kosovo" in english and "Hong Kong SAR China" in english
    client.post(
        "/language", data={"language": "fr", "next": "/signup", "csrf_token": csrf("/signup")}
    )
    french = _country_names(client.get("/signup").text)
    assert french.index("Estonie") < french.index("États-Unis") < french.index("Éthiopie")
    assert french[-1] == "Zimbabwe"
    client.post(
        "/language", data={"language": "zh", "next": "/signup", "csrf_token": csrf("/signup")}
    )
    chinese = _country_names(client.get("/signup").text)
    # By pinyin: 阿富汗 (Āfùhàn) among the first, 德国 (Déguó) before 中国 (Zhōngguó).
    assert "阿富汗" in chinese[:5] and chinese.index("德国") < chinese.index("中国")


def test_times_are_written_one_way_in_the_viewer_s_zone_with_its_name(
    app, client, auth, csrf, create_user
):
    user = create_user(name="Judge Amina Yusuf")
    auth.login(user.email)  # records a sign-in: replaced by a known moment
    with app.app_context():
        db.session.execute(
            update(User)
            .where(User.id == user.id)
            .values(last_login_at=datetime(2026, 12, 7, 14, 19, tzinfo=UTC))
        )
        db.session.commit()
    # (CLDR puts a narrow no-break space before "PM".)
    assert "December 7, 2026, 2:19\u202fPM UTC" in client.get("/dashboard").text  # the academy's
    profile = client.get("/account/profile").text
    assert '<option value="Africa/Nairobi">Africa/Nairobi</option>' in profile
    assert '<option value="US/Eastern"' not in profile  # aliases are not offered
    saved = client.post(
        "/account/profile",
        data={
            "certificate_name": "Judge Amina Yusuf",
            "country": "KE",
            "preferred_language": "en",
            "time_zone": "Africa/Nairobi",
            "csrf_token": csrf("/account/profile"),
        },
    )
    assert saved.status_code == 302
    assert "December 7, 2026, 5:19\u202fPM EAT" in client.get("/dashboard").text
    refused = client.post(
        "/account/profile",
        data={
            "certificate_name": "Judge Amina Yusuf",
            "time_zone": "Mars/Olympus_Mons",
            "csrf_token": csrf("/account/profile"),
        },
    )
    assert refused.status_code == 200 and "Not a valid choice" in refused.text
    with app.app_context():
        assert db.session.get(User, user.id).time_zone == "Africa/Nairobi"
