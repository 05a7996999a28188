"""A registry clerk saves the offline verifier from /verify, then, with no network at all, pastes
the text of a certificate's signed QR code (read from a picture of the PDF) and reads "Signature
valid" with the holder's name; a code whose score was changed reads "Invalid". In Chromium."""

from __future__ import annotations

import base45
import cbor2
import pytest
from playwright.sync_api import expect

from elearning.certificates import offline
from tests.helpers import issued_to, qr_codes_of

pytestmark = pytest.mark.e2e


def _with_score(text: str, score: int) -> str:
    """The same signed code with another score, the signature kept: a forgery."""
    protected, unprotected, payload, signature = cbor2.loads(
        base45.b45decode(text.removeprefix(offline.PREFIX))
    ).value
    cwt = dict(cbor2.loads(payload))
    cwt[offline.CLAIM] = {**cwt[offline.CLAIM], 6: score}
    forged = cbor2.CBORTag(18, [protected, dict(unprotected), cbor2.dumps(cwt), signature])
    return offline.PREFIX + base45.b45encode(cbor2.dumps(forged)).decode()


def test_save_the_verifier_and_check_a_code_offline(
    live_server, app, browser, create_user, tmp_path
):
    holder, certificate = issued_to(app, create_user)
    pdf = holder.get(f"/certificates/{certificate.id}/certificate.pdf").data
    [signed] = [text for text in qr_codes_of(pdf, tmp_path) if text.startswith(offline.PREFIX)]

    context = browser.new_context(accept_downloads=True)
    clerk = context.new_page()
    clerk.goto(f"{live_server}/verify")
    clerk.get_by_role("link", name="Open the offline verifier").click()
    with clerk.expect_download() as download:
        clerk.get_by_role("link", name="Save this verifier").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    context.close()

    offline_context = browser.new_context()
    requests: list[str] = []
    offline_context.on("request", lambda request: requests.append(request.url))
    offline_context.set_offline(True)
    page = offline_context.new_page()
    page.goto(saved.as_uri())
    box = page.get_by_label("Text of the signed QR code", exact=False)
    box.fill(signed)
    page.get_by_role("button", name="Check").click()
    result = page.get_by_role("status")
    expect(result).to_contain_text("Signature valid", use_inner_text=True)
    expect(result).not_to_contain_text("Invalid", use_inner_text=True)
    expect(page.locator("dd[data-field=holder]")).to_have_text("Judge Amara Okafor")
    expect(page.get_by_role("link", name="check this certificate online")).to_have_attribute(
        "href", f"{live_server}/verify/{certificate.code}"
    )
    page.screenshot(path=str(tmp_path / "valid.png"), full_page=True)

    box.fill(_with_score(signed, 42))
    page.get_by_role("button", name="Check").click()
    expect(result).to_contain_text("Invalid: the signature does not match", use_inner_text=True)
    expect(result).not_to_contain_text("Signature valid", use_inner_text=True)
    expect(page.locator("dd[data-field=score]")).to_have_text("42%")
    assert requests == [saved.as_uri()], "nothing but the saved file was asked for"
    offline_context.close()
