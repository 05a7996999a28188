"""A trainer creates a cohort, enrols judges from a CSV file and by join code; the judges take
the entry assessment, the lessons and the final assessment; the trainer reads the report and
downloads the roster. In Chromium."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from elearning.accounts.models import Role
from elearning.assessments.models import Attempt
from elearning.catalog import get_catalog
from elearning.extensions import db
from tests.e2e.helpers import answer_page, sign_in, take_assessment
from tests.helpers import PASSWORD

pytestmark = pytest.mark.e2e

TRAINER = "trainer@example.org"
INVITED = ("Nguyễn Thị Hương", "huong@example.org")  # accepts the invitation and passes
SILENT = ("Ιωάννης Παπαδόπουλος", "ioannis@example.org")  # accepts, never starts
JOINER = ("Judge Kofi Mensah", "kofi@example.org")  # an existing account, joins by code
COHORT = "Judicial Academy intake, spring"


@pytest.fixture
def new_page(browser):
    """Factory: a page in a browser context of its own (a separate person); closed afterwards."""
    contexts = []

    def make():
        context = browser.new_context(viewport={"width": 1024, "height": 800}, locale="en-GB")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield make
    for context in contexts:
        context.close()


def take_assessment_right_on_first_page_only(page, bank) -> None:
    """From an attempt's first page: the first page answered rightly, every other one wrongly."""
    answer_page(page, bank, rightly=True)
    page.get_by_role("button", name="Save and continue").click()
    take_assessment(page, bank, rightly=False)


def complete_the_lessons(page, base: str) -> None:
    page.goto(base + "/courses/sample")
    page.get_by_role("link", name=re.compile("^Start: ")).click()
    for _ in range(3):
        page.get_by_role("button", name=re.compile("^Mark complete")).click()
    expect(page.get_by_text("You have completed every lesson of this course.")).to_be_visible()


def start(page, base: str, kind: str) -> None:
    page.goto(f"{base}/courses/sample/assessment/{kind}")
    page.get_by_role("button", name="Start the assessment").click()


def cell_text(locator) -> str:
    return " ".join(locator.inner_text().replace("\xa0", " ").split())


def figure(page, region: str, label: str) -> str:
    """The value in the row headed ``label`` of the report's section ``region``."""
    row = (
        page.get_by_role("region", name=region)
        .get_by_role("row")
        .filter(has=page.get_by_role("rowheader", name=label, exact=True))
    )
    return cell_text(row.get_by_role("cell").first)


def number(text: str) -> float:
    match = re.match(r"[+−-]?\d+(\.\d+)?", text)
    assert match, text
    return float(match.group(0).replace("−", "-"))


def gain(pre: float, post: float) -> float:
    return (post - pre) / (100 - pre)


def test_cohort_enrolment_assessments_report_and_roster_export(
    live_server, app, page, new_page, create_user, mailbox, tmp_path
):
    base = live_server
    with app.app_context():
        bank = get_catalog().course("sample").bank
    create_user(email=TRAINER, role=Role.trainer, name="Trainer Ana Lima")
    create_user(email=JOINER[1], name=JOINER[0])

    # The trainer creates a cohort of the sample course and gets its join code.
    sign_in(page, base, TRAINER)
    page.get_by_role("link", name="Cohorts", exact=True).click()
    page.get_by_role("link", name="New cohort").click()
    page.get_by_label("Name").fill(COHORT)
    page.get_by_label("Course").select_option(label="Sample course")
    page.get_by_label("Training site or jurisdiction").fill("Accra")
    page.get_by_label("Starts on").fill(date.today().isoformat())
    page.get_by_label("Ends on").fill((date.today() + timedelta(days=30)).isoformat())
    page.get_by_role("button", name="Create the cohort").click()
    expect(page.get_by_role("heading", name=COHORT)).to_be_visible()
    join_code = page.get_by_label("Join code", exact=True).inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", join_code), join_code
    invite_link = page.get_by_role("textbox", name="Invite link").input_value()
    assert invite_link == f"{base}/join/{join_code.replace('-', '')}"
    cohort_url = page.url

    # It uploads a participants file, checks the preview and imports it.
    participants = tmp_path / "participants.csv"
    participants.write_text(
        "name,email,country,institution\n"
        f"{INVITED[0]},{INVITED[1]},VN,Hanoi People's Court\n"
        f"{SILENT[0]},{SILENT[1]},GR,Πρωτοδικείο Αθηνών\n",
        encoding="utf-8",
    )
    page.get_by_label("Participants file (CSV)").set_input_files(str(participants))
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", name="Check the participants file")).to_be_visible()
    expect(page.get_by_text("Every row is valid: 2 participants")).to_be_visible()
    preview = page.get_by_role("table", name="Participants in the file")
    expect(preview.get_by_role("row")).to_have_count(3)  # the header and two participants
    for name, email in (INVITED, SILENT):
        row = preview.get_by_role("row").filter(has_text=email)
        expect(row).to_contain_text(name)
        expect(row).to_contain_text("invited to join")
    page.get_by_role("button", name="Invite 2 participants").click()
    expect(page.get_by_role("heading", name="Roster")).to_be_visible()
    expect(page.get_by_text("2 participants are invited by e-mail")).to_be_visible()
    for _name, email in (INVITED, SILENT):
        expect(page.get_by_role("row").filter(has_text=email)).to_contain_text(
            "waiting for an answer"
        )

    # Each invited judge opens the e-mail's link, checks the details and chooses a password;
    # nobody is in the cohort before accepting. Huong then does the whole course: the entry
    # assessment all wrong, the lessons, the final assessment all right.
    assert f"Hello {INVITED[0]}," in mailbox.to(INVITED[1])[-1].get_content()
    huong = new_page()
    for person, (name, email) in ((huong, INVITED), (new_page(), SILENT)):
        person.goto(base + mailbox.last_link(email))
        expect(
            person.get_by_role("heading", name=f"An invitation to join “{COHORT}”")
        ).to_be_visible()
        expect(person.get_by_label("Name as it must appear on your certificate")).to_have_value(
            name
        )
        person.get_by_label("New password").fill(PASSWORD)
        person.get_by_label("Repeat the password").fill(PASSWORD)
        person.get_by_role("button", name="Create my account and join").click()
        expect(
            person.get_by_text("Your account is ready and you have joined the cohort.")
        ).to_be_visible()
    start(huong, base, "pre")
    take_assessment(huong, bank, rightly=False)
    complete_the_lessons(huong, base)
    start(huong, base, "post")
    take_assessment(huong, bank, rightly=True)
    expect(huong.get_by_text("Passed: the pass mark is 60%.")).to_be_visible()

    # An existing judge types the join code (in lower case) and joins; part of the entry
    # assessment right, the final assessment all wrong.
    kofi = new_page()
    sign_in(kofi, base, JOINER[1])
    kofi.goto(base + "/join")
    kofi.get_by_label("Join code").fill(join_code.lower())
    kofi.get_by_role("button", name="Continue").click()
    expect(kofi.get_by_role("heading", name=f"Join “{COHORT}”")).to_be_visible()
    kofi.get_by_role("button", name="Join the cohort").click()
    expect(kofi.get_by_text(f"You have joined {COHORT}.")).to_be_visible()
    start(kofi, base, "pre")
    take_assessment_right_on_first_page_only(kofi, bank)
    complete_the_lessons(kofi, base)
    start(kofi, base, "post")
    take_assessment(kofi, bank, rightly=False)

    # The roster as CSV (UTF-8 with a BOM): one row per judge, with the exact scores, which the
    # roster page shows rounded.
    page.goto(cohort_url)
    page.get_by_role("link", name="Open the roster").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the roster (CSV)").click()
    raw = download.value.path().read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    header, rows = lines[0], lines[1:]
    assert header[:2] == ["Name", "E-mail"]
    assert {"Entry score (%)", "Final score (%)", "Normalised gain", "Passed"} <= set(header)
    exported = {row[header.index("E-mail")]: dict(zip(header, row, strict=True)) for row in rows}
    assert len(rows) == 3
    assert set(exported) == {INVITED[1], SILENT[1], JOINER[1]}
    for name, email in (INVITED, SILENT, JOINER):
        assert exported[email]["Name"] == name
    huong_row, kofi_row = exported[INVITED[1]], exported[JOINER[1]]
    assert float(huong_row["Entry score (%)"]) == 0
    assert float(huong_row["Final score (%)"]) == 100
    assert float(huong_row["Normalised gain"]) == 1
    assert huong_row["Passed"] == "yes"
    assert huong_row["Status"] == "passed"
    assert huong_row["Certificate"] == "valid"
    assert huong_row["Country"] == "VN"
    kofi_pre = float(kofi_row["Entry score (%)"])
    assert 0 < kofi_pre < 100
    assert float(kofi_row["Final score (%)"]) == 0
    assert float(kofi_row["Normalised gain"]) == pytest.approx(gain(kofi_pre, 0), abs=5e-4)
    assert (kofi_row["Passed"], kofi_row["Status"]) == ("no", "not-passed")
    silent_row = exported[SILENT[1]]
    assert silent_row["Entry score (%)"] == silent_row["Final score (%)"] == ""
    assert silent_row["Normalised gain"] == ""
    assert silent_row["Status"] == "not-started"

    # The roster shows those scores and the normalised gain (final − entry) ÷ (100 − entry).
    page.reload()
    expect(page.get_by_text("3 judges", exact=True)).to_be_visible()
    scores = {INVITED[1]: (0.0, 100.0), JOINER[1]: (kofi_pre, 0.0)}
    for email, (pre, post) in scores.items():
        cells = page.get_by_role("row").filter(has_text=email).get_by_role("cell")
        assert cell_text(cells.nth(3)) == f"{pre:.0f}%"
        assert cell_text(cells.nth(4)) == f"{post:.0f}%"
        assert number(cell_text(cells.nth(5))) == pytest.approx(gain(pre, post), abs=0.0051)
    huong_cells = page.get_by_role("row").filter(has_text=INVITED[1]).get_by_role("cell")
    assert cell_text(huong_cells.nth(5)) == "1.00"
    assert cell_text(huong_cells.nth(6)) == "Passed"
    assert cell_text(huong_cells.nth(7)).startswith("Issued (PDF)")
    silent_cells = page.get_by_role("row").filter(has_text=SILENT[1]).get_by_role("cell")
    assert cell_text(silent_cells.nth(5)) == "—"
    assert cell_text(silent_cells.nth(6)) == "Not started"

    # The report: counts, gains, the paired comparison, topics, distributions, items.
    page.get_by_role("link", name="Report", exact=True).click()
    expect(page.get_by_role("heading", name="Cohort report")).to_be_visible()
    progress = {
        "Enrolled": "3",
        "Started (a lesson completed or an assessment begun)": "2",
        "Completed every lesson": "2",
        "Sat the final assessment": "2",
        "Passed": "1",
        "Pass rate (passed ÷ sat the final assessment)": "50%",
    }
    for label, value in progress.items():
        assert figure(page, "Progress", label) == value, label
    gains = [gain(*scores[INVITED[1]]), gain(*scores[JOINER[1]])]
    scores_region = "Scores and learning gain"
    mean_gain = figure(page, scores_region, "Mean normalised gain")  # e.g. "0.25 (low)"
    assert number(mean_gain) == pytest.approx(sum(gains) / 2, abs=0.0051), mean_gain
    mean_pre = figure(page, scores_region, "Mean entry score")  # all judges; paired: the same
    assert number(mean_pre) == pytest.approx(kofi_pre / 2, abs=0.051)
    assert figure(page, scores_region, "Mean final score (best attempt)") == "50.0%"
    expect(page.get_by_role("heading", name="Paired comparison")).to_be_visible()
    expect(page.get_by_text("For the 2 judges who took both assessments:")).to_be_visible()
    difference = figure(page, scores_region, "Mean difference (final − entry), in points")
    assert number(difference) == pytest.approx((100 - kofi_pre) / 2, abs=0.051), difference

    topics = page.get_by_role("region", name="Entry and final scores by topic")
    chart = topics.get_by_role("img")
    expect(chart).to_have_count(1)
    assert (chart.get_attribute("alt") or "").strip()
    assert chart.get_attribute("src").startswith("data:image/")
    assert chart.evaluate("img => img.complete && img.naturalWidth > 0")
    topic_table = topics.get_by_role("table", name=re.compile("Marks earned per topic"))
    labels = topic_table.get_by_role("rowheader").all_inner_texts()
    assert sorted(labels) == ["Social media", "Value 1: Independence"]
    distributions = page.get_by_role("region", name="Score distributions")
    expect(distributions.get_by_role("img")).to_be_visible()

    items = page.get_by_role("table", name=re.compile("Questions answered"))
    item_ids = items.locator("tbody th code").all_inner_texts()
    assert len(item_ids) >= 3  # the final assessment alone asks three entries
    assert set(item_ids) <= set(bank.questions), item_ids

    # The item analysis as CSV: the same questions as the table.
    with page.expect_download() as download:
        page.get_by_role("link", name="Item analysis (CSV)").click()
    item_rows = list(csv.DictReader(io.StringIO(download.value.path().read_text("utf-8-sig"))))
    assert sorted(row["Question"] for row in item_rows) == sorted(item_ids)

    # Kofi fails again a day later and has used every attempt; his trainer grants one more,
    # with a reason, and he can start it at once.
    with app.app_context():
        for attempt in db.session.scalars(select(Attempt)):
            attempt.started_at -= timedelta(days=2)
            if attempt.submitted_at is not None:
                attempt.submitted_at -= timedelta(days=2)
        db.session.commit()
    start(kofi, base, "post")
    take_assessment(kofi, bank, rightly=False)
    kofi.goto(base + "/dashboard")
    expect(kofi.get_by_text("You have used every attempt at the final assessment")).to_be_visible()
    page.goto(cohort_url)
    page.get_by_role("link", name="Open the roster").click()
    page.get_by_role("link", name=re.compile(f"^Grant an extra attempt\\W+{JOINER[0]}$")).click()
    page.get_by_label("Reason").fill("Unwell on the day of his second attempt")
    page.get_by_role("button", name="Grant one more attempt").click()
    expect(page.get_by_role("status").first).to_contain_text(JOINER[0])
    kofi.goto(f"{base}/courses/sample/assessment/post")
    expect(kofi.get_by_role("button", name="Start the assessment")).to_be_visible()

    # Who needs help: one click on the roster; a judge's record and an attempt's answers; the
    # cohort's certificates, one or all; removing a judge asks first.
    page.goto(cohort_url)
    page.get_by_role("link", name="Open the roster").click()
    page.get_by_role("link", name="Final not passed yet").click()
    expect(page.get_by_role("status")).to_contain_text("1 judge")
    page.get_by_role("link", name=JOINER[0], exact=True).click()
    expect(page.get_by_role("heading", name=JOINER[0], level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Marks by topic")).to_be_visible()
    page.locator("main a[href*='/attempts/']").first.click()
    expect(page.get_by_role("heading", name="Question by question")).to_be_visible()
    expect(page.get_by_text("the judge's answer").first).to_be_visible()
    page.goto(cohort_url)
    page.get_by_role("link", name="Open the roster").click()
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile(f"^Issued \\(PDF\\)\\W+{INVITED[0]}$")).click()
    assert download.value.path().read_bytes().startswith(b"%PDF")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download every certificate (ZIP)").click()
    assert download.value.path().read_bytes().startswith(b"PK")
    page.get_by_role("link", name=re.compile(f"^Remove from the cohort\\W+{SILENT[0]}$")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Remove {SILENT[0]}")
    page.get_by_role("link", name="Cancel").click()
    expect(page.get_by_role("heading", name="Roster")).to_be_visible()
