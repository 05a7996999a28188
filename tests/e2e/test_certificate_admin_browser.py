"""The registrar's morning, in Chromium: in the approval queue filtered by cohort, they hold one
judge's certificate, correct another's name and approve it, reject a third with a reason; then
filter the register by the cohort and download it as CSV."""

from __future__ import annotations

import csv
import io
import shutil

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from elearning.accounts.models import Role, User
from elearning.catalog import get_catalog
from elearning.cohorts import services as cohorts
from elearning.extensions import db
from tests.e2e.helpers import sign_in
from tests.helpers import FIXTURE_CONTENT, certificates_of, earn

pytestmark = pytest.mark.e2e
JUDGES = {
    "amara@example.org": "Judge Amara Okafor",
    "boris@example.org": "Judge Boris Ivanov",
    "carol@example.org": "Judge Carol Mensah",
}


@pytest.fixture
def app(make_app, tmp_path):
    """The live server's app: the sample course's certificates wait for an admin's approval."""
    root = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, root)
    course = root / "courses/sample/course.yaml"
    course.write_text(course.read_text() + "certificate:\n  issuing: approval\n")
    return make_app(CONTENT_DIR=str(root))


def three_judges_in_a_cohort(app, create_user) -> None:
    """Three judges of the cohort "Accra 2026" passed; their certificates wait in the queue."""
    admin = create_user(email="admin@example.org", role=Role.admin, name="Registrar")
    for email, name in JUDGES.items():
        create_user(email=email, name=name)
        earn(app, email)
    with app.app_context():
        course = get_catalog().course("sample")
        cohort = cohorts.create_cohort(
            db.session,
            course=course,
            details=cohorts.CohortDetails(name="Accra 2026"),
            creator=db.session.get(User, admin.id),
        )
        for email in JUDGES:
            judge = db.session.scalar(select(User).where(User.email == email))
            cohorts.join_cohort(db.session, cohort, judge.id, course, "code")
        db.session.commit()


def row_of(page, name: str):
    return page.locator("tbody tr", has=page.get_by_label(f"Name to print for {name}"))


def test_hold_correct_approve_reject_then_export_the_cohort(
    live_server, app, page, create_user, tmp_path
):
    three_judges_in_a_cohort(app, create_user)
    sign_in(page, live_server, "admin@example.org")
    page.goto(live_server + "/admin/certificates/requests")
    page.get_by_label("Cohort").select_option(label="Accra 2026")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("tbody tr")).to_have_count(3)
    expect(page.get_by_text("Issued after an administrator approves").first).to_be_visible()

    # Hold Boris, with the reason.
    page.get_by_label("Select the request of Judge Boris Ivanov").check()
    page.get_by_label("Reason").fill("Identity to be confirmed with the court.")
    page.get_by_role("button", name="Put the selected on hold").click()
    expect(page.get_by_text("1 request put on hold.")).to_be_visible()
    expect(row_of(page, "Judge Boris Ivanov")).to_contain_text("On hold")
    expect(row_of(page, "Judge Boris Ivanov")).to_contain_text("Identity to be confirmed")

    # Correct Amara's name, then approve her certificate alone.
    page.get_by_label("Name to print for Judge Amara Okafor").fill("Hon. Justice Amara N. Okafor")
    page.get_by_label("Select the request of Judge Amara Okafor").check()
    page.get_by_role("button", name="Approve and issue the selected certificates").click()
    expect(page.get_by_text("1 certificate issued.")).to_be_visible(timeout=20_000)
    [amara] = certificates_of(app, "amara@example.org")
    assert amara.holder_name == "Hon. Justice Amara N. Okafor"
    assert certificates_of(app, "boris@example.org") == []

    # Reject Carol's: a reason is required.
    page.goto(live_server + "/admin/certificates/requests")
    page.get_by_label("Select the request of Judge Carol Mensah").check()
    page.get_by_role("button", name="Reject the selected").click()
    expect(page.get_by_text("the reason is required")).to_be_visible()
    page.get_by_label("Select the request of Judge Carol Mensah").check()
    page.get_by_label("Reason").fill("The final attempt was not taken by the judge.")
    page.get_by_role("button", name="Reject the selected").click()
    expect(page.get_by_role("heading", name="Reject the certificate of 1 judge?")).to_be_visible()
    page.get_by_role("button", name="Reject", exact=True).click()
    expect(page.get_by_text("1 request rejected")).to_be_visible()
    expect(page.get_by_label("Select the request of Judge Carol Mensah")).to_have_count(0)
    expect(page.locator("tbody tr")).to_have_count(1)  # Boris, still on hold

    # The register, filtered by the cohort, as CSV.
    page.get_by_role("link", name="Certificates", exact=True).first.click()
    page.locator("form[role=search]").get_by_label("Cohort").select_option(label="Accra 2026")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("main table tbody tr")).to_have_count(1)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download this list as CSV").click()
    saved = tmp_path / "certificates.csv"
    download.value.save_as(saved)
    header, *rows = list(csv.reader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))
    assert header[:2] == ["Serial", "Holder"]
    assert [(row[1], row[-1]) for row in rows] == [("Hon. Justice Amara N. Okafor", "Accra 2026")]
