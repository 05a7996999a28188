"""A judge signs in, takes the entry assessment and completes a lesson with the keyboard alone.

Everything is done with Tab, Shift+Tab, Enter, Space and the arrow keys (text is typed into the
field that Tab reached): no clicks, no filling of fields by selector. Besides keys, the test only
opens an address (the sign-in page; a page reloaded so that focus starts at its top) and *reads*
the page: which element has focus, how it looks, what the page says. The Tab order of the
question and lesson pages is checked: document order, each element once, the language switcher,
navigation, main content and footer in turn, a visible focus indicator on every stop. A second
test takes the assessment and the lesson with JavaScript turned off: no task needs it.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from elearning.content import load_catalog
from tests.helpers import PASSWORD

pytestmark = pytest.mark.e2e

MAX_TABS = 150  # more than any page of the fixture course has focusable elements

# What a keyboard user (and a screen reader) would perceive of the focused element, and where it
# sits: its region of the page and its position in document order.
FOCUSED = r"""() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const squash = (s) => (s || "").replace(/\s+/g, " ").trim();
  let name = el.getAttribute("aria-label") || "";
  if (!name && el.labels && el.labels.length) name = el.labels[0].innerText;
  if (!name) name = el.innerText || el.value || el.getAttribute("title") || "";
  const languageForm = el.closest("form");
  const langNav = el.closest("nav, [role=group]");
  const inLanguages = el.name === "language"
    || (languageForm && languageForm.querySelector("[name=language]") !== null)
    || (langNav && /^language$/i.test(squash(langNav.getAttribute("aria-label"))));
  let region = "other";
  if (el.matches('a[href="#main"]')) region = "skip";
  else if (el.closest("main")) region = "main";
  else if (el.closest("footer")) region = "footer";
  else if (inLanguages) region = "languages";
  else if (el.closest("nav")) region = "navigation";
  else if (el.closest("header")) region = "header";
  const style = getComputedStyle(el);
  const rect = el.getBoundingClientRect();
  return {
    tag: el.tagName.toLowerCase(),
    type: el.getAttribute("type") || "",
    inputName: el.getAttribute("name") || "",
    id: el.id || "",
    name: squash(name),
    region,
    index: Array.prototype.indexOf.call(document.getElementsByTagName("*"), el),
    checked: !!el.checked,
    outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0,
    shadow: !!style.boxShadow && style.boxShadow !== "none",
    look: [style.outlineStyle, style.outlineWidth, style.outlineColor, style.boxShadow].join(" | "),
    visible: rect.width > 0 && rect.height > 0 && style.visibility !== "hidden"
      && style.opacity !== "0",
    inViewport: rect.bottom > 0 && rect.right > 0 && rect.top < innerHeight
      && rect.left < innerWidth,
    inMain: el.closest("main") !== null,
  };
}"""

# How elements look with no focus, by document-order index (to compare with the focused look).
UNFOCUSED_LOOK = r"""(indexes) => {
  if (document.activeElement) document.activeElement.blur();
  const all = document.getElementsByTagName("*");
  return indexes.map((i) => {
    const s = getComputedStyle(all[i]);
    return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow].join(" | ");
  });
}"""

REGION_ORDER = ["skip", "languages", "header", "navigation", "main", "footer"]


@pytest.fixture
def app(make_app, content):
    """The live server's app: the gated sample course."""
    return make_app(CONTENT_DIR=str(content))


# -- Reading the page ------------------------------------------------------------------------


def focused(page: Page) -> dict | None:
    return page.evaluate(FOCUSED)


def describe(info: dict | None) -> str:
    if info is None:
        return "nothing (the page itself)"
    kind = info["tag"] + (f"[type={info['type']}]" if info["type"] else "")
    return f"{kind} {info['name']!r} in {info['region']}"


def strip_tags(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub("<[^>]+>", "", html)).strip()


# -- Moving with the keyboard ----------------------------------------------------------------


def tab_to(page: Page, matches, what: str, backwards: bool = False) -> dict:
    """Press Tab (or Shift+Tab) until the focused element satisfies ``matches``; return it."""
    key = "Shift+Tab" if backwards else "Tab"
    seen = []
    for _ in range(MAX_TABS):
        page.keyboard.press(key)
        info = focused(page)
        if info is not None and matches(info):
            return info
        seen.append(describe(info))
    pytest.fail(f"{what} cannot be reached with {key} on {page.url}; focus went to: {seen}")


def tab_to_named(page: Page, name: str, tags=("a", "button"), backwards: bool = False) -> dict:
    return tab_to(
        page,
        lambda f: f["tag"] in tags and f["name"] == name,
        f"{'/'.join(tags)} {name!r}",
        backwards,
    )


def press_and_load(page: Page, key: str) -> None:
    """Press a key that loads another page, and wait for it."""
    with page.expect_navigation():
        page.keyboard.press(key)


def activate(
    page: Page,
    name: str,
    tags=("a", "button"),
    key: str = "Enter",
    backwards: bool = False,
    navigates: bool = True,
) -> None:
    """Tab to a link or button by its name and activate it with Enter (or Space)."""
    tab_to_named(page, name, tags, backwards)
    if navigates:
        press_and_load(page, key)
    else:
        page.keyboard.press(key)


def choose_radio(page: Page, label: str) -> None:
    """Focus is on a radio button: move through its group with the arrow keys to ``label``."""
    info = focused(page)
    assert info and info["type"] == "radio", f"expected a radio button, not {describe(info)}"
    names = []
    for _ in range(12):
        if info["name"] == label:
            page.keyboard.press("Space")
            info = focused(page)
            assert info["checked"], f"Space did not select the radio button {label!r}"
            return
        names.append(info["name"])
        page.keyboard.press("ArrowDown")
        info = focused(page)
    pytest.fail(f"the arrow keys never reached the option {label!r}; they went through {names}")


# -- The steps -------------------------------------------------------------------------------


def skip_to_main(page: Page) -> None:
    """On a freshly loaded page: the first Tab reaches the skip link and it moves focus to main."""
    page.keyboard.press("Tab")
    info = focused(page)
    assert info is not None and info["region"] == "skip", (
        f"the first Tab on {page.url} should focus 'Skip to main content', not {describe(info)}"
    )
    assert info["name"] == "Skip to main content"
    assert info["visible"] and (info["outline"] or info["shadow"]), "the skip link is not visible"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.closest('main') !== null"), (
        f"the skip link on {page.url} did not move focus into main"
    )
    page.keyboard.press("Tab")
    after = focused(page)
    assert after is not None and after["inMain"], (
        f"Tab after the skip link on {page.url} should stay in main, went to {describe(after)}"
    )


def sign_in(page: Page, live_server: str, email: str, via_skip_link: bool) -> None:
    page.goto(live_server + "/signin")
    if via_skip_link:
        skip_to_main(page)  # the first field of main is the e-mail address
        info = focused(page)
        assert info["name"] == "E-mail address", f"after the skip link: {describe(info)}"
    else:
        tab_to(
            page,
            lambda f: f["tag"] == "input" and f["name"] == "E-mail address",
            "the e-mail field",
        )
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    info = focused(page)
    assert info and info["tag"] == "input" and info["name"] == "Password", (
        f"Tab from the e-mail field should reach the password, not {describe(info)}"
    )
    page.keyboard.type(PASSWORD)
    press_and_load(page, "Enter")
    expect(page.get_by_role("heading", name=re.compile("^Welcome"), level=1)).to_be_visible()


def enrol(page: Page) -> None:
    """From the dashboard to the first page of the entry assessment."""
    activate(page, "Courses", backwards=True)  # Shift+Tab: main → back up to the header's links
    expect(page.get_by_role("heading", name="Courses", level=1)).to_be_visible()
    activate(page, "Sample course")
    expect(page.get_by_role("heading", name="Sample course", level=1)).to_be_visible()
    activate(page, "Enrol in this course", tags=("button",))
    expect(page.get_by_role("heading", name="Entry assessment", level=1)).to_be_visible()
    activate(page, "Start the assessment", tags=("button",))
    expect(page.get_by_role("heading", name="Page 1 of 2")).to_be_visible()


def answer_page(page: Page, bank, button: str, javascript: bool, key: str = "Enter") -> list[str]:
    """Tab through a question page, giving the right answers, then press ``button``.

    A group of radio buttons is one stop of the Tab key: the arrow keys move in it. Each check box
    is a stop of its own, ticked with Space. Returns the ids of the questions answered.
    """
    answered: list[str] = []
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        info = focused(page)
        if info is None:
            continue
        if info["tag"] == "button" and info["name"] == button:
            if javascript and answered:  # each choice made with a key was saved at once
                expect(page.locator("[data-save-status]")).to_contain_text("Answers saved at")
            press_and_load(page, key)
            return answered
        if info["tag"] != "input" or not info["inputName"].startswith("q-"):
            continue
        question = bank.questions[info["inputName"].removeprefix("q-")]
        right = {strip_tags(c.text.get("en")) for c in question.choices if c.is_correct}
        if info["type"] == "radio":
            assert question.id not in answered, (
                f"a group of radio buttons took two Tab stops: {question.id}"
            )
            choose_radio(page, next(iter(right)))
            answered.append(question.id)
        elif info["type"] == "checkbox":
            if info["name"] in right:
                page.keyboard.press("Space")
                assert focused(page)["checked"], f"Space did not tick {info['name']!r}"
            if question.id not in answered:
                answered.append(question.id)
    pytest.fail(f"the button {button!r} cannot be reached with Tab on {page.url}")


def check_answers_kept(page: Page, bank, button: str) -> None:
    """Tab through a question page answered before: the right options are still the chosen ones
    (Tab enters a radio group at its checked option). Then activate ``button``."""
    seen = 0
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        info = focused(page)
        if info is None:
            continue
        if info["tag"] == "button" and info["name"] == button:
            assert seen, f"no option of {page.url} was reached with Tab"
            press_and_load(page, "Enter")
            return
        if info["tag"] != "input" or not info["inputName"].startswith("q-"):
            continue
        seen += 1
        question = bank.questions[info["inputName"].removeprefix("q-")]
        right = {strip_tags(c.text.get("en")) for c in question.choices if c.is_correct}
        if info["type"] == "radio":
            assert info["checked"] and info["name"] in right, (
                f"back on {page.url}, Tab enters {question.id} at {describe(info)}, "
                f"checked={info['checked']}: the answer given was {right}"
            )
        else:
            assert info["checked"] == (info["name"] in right), (
                f"back on {page.url}, {describe(info)} has checked={info['checked']}"
            )
    pytest.fail(f"the button {button!r} cannot be reached with Tab on {page.url}")


def take_entry_assessment(page: Page, bank, javascript: bool) -> None:
    """From the first question page to the results, moving between the pages with their buttons:
    forward, back (the answers are kept), to a page by its number, to the review, submit."""
    answered = answer_page(page, bank, "Save and continue", javascript)
    assert answered, "no question of page 1 was reached with Tab"
    expect(page.get_by_role("heading", name="Page 2 of 2")).to_be_visible()
    answered += answer_page(page, bank, "Save and go back", javascript)
    expect(page.get_by_role("heading", name="Page 1 of 2")).to_be_visible()
    check_answers_kept(page, bank, "2 (answered)")  # the question navigation's button
    expect(page.get_by_role("heading", name="Page 2 of 2")).to_be_visible()
    check_answers_kept(page, bank, "Save and review your answers")
    expect(page.get_by_role("heading", name="Review and submit", level=1)).to_be_visible()
    expect(page.get_by_text("You have answered all")).to_be_visible()
    activate(page, "Submit my answers", tags=("button",))
    expect(page.get_by_role("heading", name="Your results", level=1)).to_be_visible()
    expect(page.get_by_text("This is your starting point.")).to_be_visible()
    # Every answer chosen with the keyboard reached the server: all of them are right.
    expect(page.locator(".score-card__score")).to_have_text(re.compile(r"^\s*100\s?%\s*$"))
    expect(page.get_by_text("Correct", exact=True)).to_have_count(len(answered))


def open_first_lesson(page: Page) -> None:
    """From the results page to the first lesson, by the links of the pages."""
    activate(page, "Back to the course")
    expect(page.get_by_role("heading", name="Sample course", level=1)).to_be_visible()
    activate(page, "Start: The first lesson")
    expect(page.get_by_role("heading", name="The first lesson", level=1)).to_be_visible()
    expect(page.get_by_text(re.compile(r"^0\s?% complete · 0 of 3 lessons$"))).to_be_visible()


def complete_first_lesson(page: Page, javascript: bool) -> None:
    """On the freshly loaded first lesson: answer its check, see the feedback, mark it complete."""
    # A wrong answer first: Tab into the option group, Space selects the first option.
    tab_to(
        page,
        lambda f: f["type"] == "radio" and f["inputName"] == "selected",
        "the knowledge check's options",
    )
    choose_radio(page, "The minister")
    page.keyboard.press("Tab")
    info = focused(page)
    assert info and info["name"] == "Check my answer", (
        f"Tab from the chosen option should reach 'Check my answer', not {describe(info)}"
    )
    if javascript:
        page.keyboard.press("Enter")  # answered in place: no page load
    else:
        press_and_load(page, "Enter")
    check = page.locator("#check-first-check")
    expect(check.get_by_role("status")).to_contain_text("Not quite")
    expect(check).to_contain_text("the executive has no say")
    if javascript:
        # The check is answered in place and the verdict takes focus, so it is read out.
        assert page.url.endswith("/courses/sample/basics/first-lesson")
        expect(check.get_by_role("status")).to_be_focused()
    else:
        assert page.url.endswith("/courses/sample/basics/first-lesson#check-first-check")

    # Back to the options in one key: Shift+Tab from the focused verdict, or, after the reload
    # at #check-first-check, Tab from the check. The group is entered at the option chosen.
    key = "Shift+Tab" if javascript else "Tab"
    page.keyboard.press(key)
    info = focused(page)
    assert info and info["type"] == "radio" and info["checked"], (
        f"after the verdict, {key} should return to the chosen option, not {describe(info)}"
    )
    assert info["name"] == "The minister", describe(info)
    choose_radio(page, "The judge")
    activate(page, "Try again", tags=("button",), key="Space", navigates=not javascript)
    expect(page.locator("#check-first-check").get_by_role("status")).to_contain_text("right")
    expect(page.locator("#check-first-check")).to_contain_text("on the facts and the law alone")
    if javascript:
        expect(page.locator("#check-first-check").get_by_role("status")).to_be_focused()
    # Once right, the button no longer asks to check the answer.
    expect(page.locator("#check-first-check").get_by_role("button")).to_have_text("Answer again")

    activate(page, "Mark complete and continue", tags=("button",))
    expect(page.get_by_role("heading", name="The second lesson", level=1)).to_be_visible()
    expect(page.get_by_text(re.compile(r"^33\s?% complete · 1 of 3 lessons$"))).to_be_visible()
    # Back to the first lesson with the pager's link: it says it is complete.
    activate(page, "← The first lesson")
    expect(page.get_by_role("heading", name="The first lesson", level=1)).to_be_visible()
    expect(page.get_by_text("You have completed this lesson.")).to_be_visible()


def reload(page: Page) -> None:
    """Load the page afresh (F5), without a #fragment, so that focus starts at its top."""
    page.goto(page.url.split("#")[0])


def check_focus_order(page: Page) -> list[dict]:
    """One forward pass of Tab through a freshly loaded page, checked; returns the stops."""
    stops: list[dict] = []
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        info = focused(page)
        if info is None or (stops and info["index"] <= stops[0]["index"]):
            break  # past the last element: focus leaves the page or wraps to the first
        stops.append(info)
    else:
        pytest.fail(f"Tab never left {page.url} after {MAX_TABS} presses")
    sequence = [describe(s) for s in stops]
    url = page.url

    assert stops and stops[0]["region"] == "skip", f"{url}: the first stop is not the skip link"
    indexes = [s["index"] for s in stops]
    assert len(set(indexes)) == len(indexes), f"{url}: an element is focused twice: {sequence}"
    assert indexes == sorted(indexes), f"{url}: the Tab order is not the document order: {sequence}"
    regions = [s["region"] for s in stops]
    assert "other" not in regions, f"{url}: a focusable element outside every landmark: {sequence}"
    for region in ("languages", "navigation", "main", "footer"):
        assert region in regions, f"{url}: Tab never reaches the {region}: {sequence}"
    ranks = [REGION_ORDER.index(r) for r in regions]
    assert ranks == sorted(ranks), f"{url}: the regions come out of order: {regions}"
    unfocused = page.evaluate(UNFOCUSED_LOOK, indexes)
    for stop, look in zip(stops, unfocused, strict=True):
        assert stop["look"] != look, (
            f"{url}: {describe(stop)} looks the same focused and not ({look}): no focus indicator"
        )
        assert stop["visible"], f"{url}: {describe(stop)} takes focus but cannot be seen"
        assert stop["inViewport"], f"{url}: {describe(stop)} takes focus off the screen"
        assert stop["outline"] or stop["shadow"], (
            f"{url}: {describe(stop)} shows no focus indicator (no outline, no box-shadow)"
        )
    return stops


# -- The tests -------------------------------------------------------------------------------


def test_entry_assessment_and_a_lesson_with_the_keyboard_alone(
    live_server, page, create_user, content
):
    bank = load_catalog(content).course("sample").bank
    create_user(email="keys@example.org", name="Judge Kwame Mensah")

    sign_in(page, live_server, "keys@example.org", via_skip_link=True)
    enrol(page)

    # The question page: the skip link, then the whole Tab order of the page.
    reload(page)
    skip_to_main(page)
    reload(page)
    stops = check_focus_order(page)
    in_main = [s for s in stops if s["region"] == "main"]
    assert any(s["tag"] == "input" and s["inputName"].startswith("q-") for s in in_main)
    assert any(s["name"] == "Save and continue" for s in in_main)

    reload(page)  # (F5) a fresh page, focus at its start again
    take_entry_assessment(page, bank, javascript=True)

    # The lesson page: the skip link and the Tab order, then the check and completion.
    open_first_lesson(page)
    reload(page)
    skip_to_main(page)
    reload(page)
    stops = check_focus_order(page)
    in_main = [s["name"] for s in stops if s["region"] == "main"]
    for name in (
        "Sample course",
        "Check my answer",
        "Mark complete and continue",
        "The second lesson →",
    ):
        assert name in in_main, f"the lesson's {name!r} is not reached with Tab: {in_main}"
    # The check's options come in this judge's own order; Tab enters the group once, at one.
    options = {"The minister", "The judge", "The loudest party"}
    assert len(options & set(in_main)) == 1, f"the check's options under Tab: {in_main}"
    reload(page)
    complete_first_lesson(page, javascript=True)


def test_entry_assessment_and_a_lesson_by_keyboard_without_javascript(
    live_server, browser, create_user, content
):
    bank = load_catalog(content).course("sample").bank
    create_user(email="no-script@example.org")
    context = browser.new_context(
        java_script_enabled=False, locale="en-GB", viewport={"width": 1024, "height": 800}
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in(page, live_server, "no-script@example.org", via_skip_link=False)
        enrol(page)
        take_entry_assessment(page, bank, javascript=False)
        open_first_lesson(page)
        reload(page)
        skip_to_main(page)  # the skip link needs no script either
        reload(page)
        complete_first_lesson(page, javascript=False)
    finally:
        context.close()
