"""Browser fixtures: the app served on a free local port, and Playwright on system Chromium."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from elearning.config import DEVELOPMENT_BASE_URL
from tests.e2e.helpers import ARTIFACTS
from tests.helpers import FIXTURE_CONTENT

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


#: When Chromium drops a connection while werkzeug's test server is still sending a small static
#: file (the favicon, asked for by every page), the server leaves the file to the garbage
#: collector: a warning about the test server, not about the platform, which passes through.
DROPPED_STATIC_FILE = (
    r"ignore:(Exception ignored in|unclosed file).*_io\.(FileIO|BufferedReader) "
    r"name='[^']*/elearning/static/"
)


def pytest_collection_modifyitems(items) -> None:
    for item in items:
        if item.get_closest_marker("e2e") is not None:
            item.add_marker(pytest.mark.filterwarnings(DROPPED_STATIC_FILE))


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """The test app served over real HTTP in a background thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    address = f"http://127.0.0.1:{server.server_port}"
    if app.config["BASE_URL"] == DEVELOPMENT_BASE_URL:  # not one the test chose
        app.config["BASE_URL"] = address  # the links it sends and prints lead here
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield address
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """The test content, with the entry assessment required before the lessons (as the real
    course is); a module serves it with ``make_app(CONTENT_DIR=str(content))``."""
    root = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, root)
    course = root / "courses/sample/course.yaml"
    course.write_text(course.read_text().replace("pre_required: false", "pre_required: true"))
    return root


@pytest.fixture(scope="session")
def browser():
    """Headless system Chromium. A missing browser fails the run: it is never skipped."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: install it with "
            "`apt-get install chromium` (or run .ci/run), or set CHROMIUM_PATH."
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request):
    """A fresh browser context and page; a screenshot is kept when the test fails."""
    context = browser.new_context(viewport={"width": 1024, "height": 800}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Expose each phase's outcome to fixtures (for the failure screenshot)."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
