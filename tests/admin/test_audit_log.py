"""The audit log as an auditor reads it: filtered by action, person, certificate, cohort and
days, every event in plain words, and the same selection as CSV."""

from __future__ import annotations

import ast
import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, update

from elearning import codes
from elearning.accounts import roles
from elearning.accounts.models import Role, User
from elearning.admin.sentences import ACTION_LABELS, SENTENCES
from elearning.audit.models import AuditEvent
from elearning.audit.services import record_audit
from elearning.catalog import get_catalog
from elearning.certificates import changes
from elearning.certificates.models import Certificate
from elearning.cohorts import services as cohorts
from elearning.extensions import db
from elearning.sqltypes import utcnow
from tests.helpers import issued_to

PACKAGE = Path(__file__).resolve().parents[2] / "elearning"


def recorded_codes() -> set[str]:
    """Every action code the code writes: the strings of each record_audit(action=...)."""
    found = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and ast.unparse(node.func).endswith("record_audit"):
                for keyword in node.keywords:
                    if keyword.arg == "action":
                        found |= {
                            n.value
                            for n in ast.walk(keyword.value)
                            if isinstance(n, ast.Constant) and isinstance(n.value, str)
                        }
    return found - {""}


def test_every_action_code_the_code_writes_has_a_sentence_and_a_label():
    written = recorded_codes()
    assert {"certificate.issue", "certificate.reissue", "cohort.member_left"} <= written
    assert len(written) >= 20
    assert written - set(SENTENCES) == set()
    assert written - set(ACTION_LABELS) == set()


@pytest.fixture
def world(app, create_user):
    """Ana Ruiz (admin) revokes Иван Петров's certificate in error; Ivan is in her cohort;
    Ana makes Boris a trainer. Dates are fixed so the day filters can be checked."""
    admin = create_user(email="ana@example.org", name="Ana Ruiz", role=Role.admin)
    _client, certificate = issued_to(app, create_user, email="ivan@example.org", name="Иван Петров")
    boris = create_user(email="boris@example.org", name="Boris Tal")
    with app.app_context():
        ana = db.session.get(User, admin.id)
        ana.time_zone = "Pacific/Auckland"
        course = get_catalog().course("sample")
        cohort = cohorts.create_cohort(
            db.session,
            course=course,
            details=cohorts.CohortDetails(name="Nairobi 2026"),
            creator=ana,
        )
        ivan = db.session.scalar(select(User).where(User.email == "ivan@example.org"))
        cohorts.join_cohort(db.session, cohort, ivan.id, course, via="code")
        revoked = db.session.get(Certificate, certificate.id)
        changes.revoke_certificate(
            db.session, revoked, actor=ana, reason="=HYPERLINK(issued in error)", now=utcnow()
        )
        roles.change_role(
            db.session, actor=ana, user=db.session.get(User, boris.id), role=Role.trainer
        )
        record_audit(db.session, actor=None, action="legacy.thing", subject=ana, details={"x": 1})
        db.session.flush()
        # Every event on 1 March 2026, 11:30 UTC: 2 March, 00:30 in Auckland (UTC+13).
        db.session.execute(update(AuditEvent).values(at=datetime(2026, 3, 1, 11, 30, tzinfo=UTC)))
        db.session.commit()
        return {"certificate": revoked.serial, "code": revoked.code, "cohort": cohort.id}


@pytest.fixture
def ana(auth, world):
    auth.login("ana@example.org")
    return world


def events_on(page: str) -> int:
    return page.count("<code>")


def test_each_event_reads_as_a_sentence_with_links(client, ana):
    page = client.get("/admin/audit").text
    assert (
        'revoked certificate <a href="/admin/certificates/' in page
        and "of <a href=" in page
        and "(reason: =HYPERLINK(issued in error))." in page
    )
    assert "Ana Ruiz</bdi></a> changed the role of <a href=" in page
    assert "from Learner to Trainer." in page
    assert "Ana Ruiz</bdi></a> created the cohort <a href=" in page
    # A code no sentence knows is shown with its details; every code stays visible.
    assert "<bdi>The system</bdi>: legacy.thing on users #" in page and "x: 1" in page
    assert "<code>certificate.revoke</code>" in page and events_on(page) == 5


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("person=%D0%B8%D0%92%D0%90%D0%9D", 2),  # "иВАН": his certificate issued and revoked
        ("person=ana%40example", 4),  # what Ana did, and the legacy record about her account
        ("person=Boris", 1),  # the role Ana gave him
        ("action=certificate.revoke", 1),
        ("action=certificate.revoke&person=boris", 0),
        ("cohort={cohort}", 3),  # created, and its member's certificate issued and revoked
        ("certificate={certificate}", 2),
        ("from=2026-03-02&to=2026-03-02", 5),  # the viewer's day, in Auckland
        ("from=2026-03-01&to=2026-03-01", 0),
        ("to=2026-03-01", 0),
        ("from=2026-03-03", 0),
    ],
)
def test_filters_select_the_events_and_combine(client, ana, query, expected):
    page = client.get("/admin/audit?" + query.format(**ana)).text
    assert events_on(page) == expected, query
    assert 'role="alert"' not in page


def test_a_certificate_is_found_by_its_printed_code_and_an_unknown_one_by_nothing(client, ana):
    typed = codes.display(ana["code"]).lower()
    assert events_on(client.get(f"/admin/audit?certificate={typed}").text) == 2
    page = client.get("/admin/audit?certificate=2026-999999").text
    assert "No certificate has this serial or code." in page and events_on(page) == 0


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2026-02-30", "The first day is not a date"),
        ("to=yesterday", "The last day is not a date"),
        ("from=2026-03-05&to=2026-03-01", "The first day is after the last day"),
        ("action=nothing.known", "That action is not one the log records"),
        ("cohort=99999999999999", "There is no such cohort"),
    ],
)
def test_a_bad_filter_is_explained_and_ignored(client, ana, query, message):
    response = client.get("/admin/audit?" + query + "&page=99999999999")
    assert response.status_code == 200 and message in response.text
    assert events_on(client.get("/admin/audit?" + query).text) == 5


def test_paging_keeps_the_filters(client, ana, monkeypatch):
    from elearning.admin import views

    monkeypatch.setattr(views, "PER_PAGE", 1)
    page = client.get("/admin/audit?person=ana%40example&from=2026-03-02").text
    assert "page=2" in page and "person=ana%40example" in page and "from=2026-03-02" in page


def test_the_csv_holds_the_filtered_events_with_codes_details_and_sentences(client, ana):
    response = client.get("/admin/audit.csv?action=certificate.revoke&person=ivan")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data.startswith("\ufeff".encode())
    header, *rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert header[:2] == ["When (UTC)", "Action"] and header[-1] == "In plain words"
    [row] = rows
    assert row[0] == "2026-03-01 11:30:00" and row[1] == "certificate.revoke"
    assert row[3] == "ana@example.org" and row[4] == "certificates"
    details = json.loads(row[6])
    assert details["reason"] == "=HYPERLINK(issued in error)"
    assert row[7].startswith("Ana Ruiz revoked certificate ") and "Иван Петров" in row[7]


def test_a_csv_cell_starting_like_a_formula_is_neutralised(client, ana, app):
    with app.app_context():
        ana_user = db.session.scalar(select(User).where(User.email == "ana@example.org"))
        record_audit(db.session, actor=ana_user, action="=cmd|' /C calc'!A0", subject=ana_user)
        db.session.commit()
    rows = list(csv.reader(io.StringIO(client.get("/admin/audit.csv").data.decode("utf-8-sig"))))
    assert rows[1][1] == "'=cmd|' /C calc'!A0" and len(rows) == 7
