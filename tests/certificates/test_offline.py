"""The certificate's signed QR code: what it states survives the round trip, any change breaks
the signature, the code printed on a real PDF is read back from a picture and verified by the
command line, and the offline verifier page embeds the published keys under its own CSP."""

from __future__ import annotations

import dataclasses
import re
from datetime import date

import base45
import cbor2
import segno
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask.cli import ScriptInfo

from elearning.certificates import offline
from elearning.cli import main
from elearning.sqltypes import utcnow
from tests.helpers import issued_to, qr_codes_of

CLAIMS = offline.OfflineClaims(
    issuer="did:web:courts.example.org",
    code="K7QM-2XHD-9PAW-CT4N-R",
    holder="القاضية أمارا أوكافور",
    course="Judicial Ethics",
    edition="2026",
    content_version="a1b2c3d4e5f6",
    score=85,
    issued_on=date(2026, 12, 7),
)


def _resigned_body(text: str, change) -> str:
    """The payload with its CWT changed by ``change`` and the old signature kept."""
    tag = cbor2.loads(base45.b45decode(text.removeprefix(offline.PREFIX)))
    protected, unprotected, payload, signature = tag.value
    cwt = dict(cbor2.loads(payload))
    cwt[offline.CLAIM] = change(dict(cwt[offline.CLAIM]))
    forged = cbor2.CBORTag(18, [protected, dict(unprotected), cbor2.dumps(cwt), signature])
    return offline.PREFIX + base45.b45encode(cbor2.dumps(forged)).decode()


def test_the_payload_round_trips_and_any_change_breaks_it():
    key = Ed25519PrivateKey.generate()
    text = offline.seal(CLAIMS, key)
    assert re.fullmatch(r"JEC1:[0-9A-Z $%*+\-./:]+", text), "QR alphanumeric mode only"
    published = [Ed25519PrivateKey.generate().public_key(), key.public_key()]
    assert offline.check(text, published) == offline.OfflineCheck(offline.VALID, CLAIMS)
    raised = _resigned_body(text, lambda c: {**c, 6: 100})
    assert offline.check(raised, published).outcome == offline.TAMPERED
    renamed = _resigned_body(text, lambda c: {**c, 2: "Someone Else"})
    assert offline.check(renamed, published).outcome == offline.TAMPERED
    assert offline.check(text, published[:1]).outcome == offline.UNKNOWN_KEY
    passed_only = offline.seal(dataclasses.replace(CLAIMS, score=None), key)
    assert offline.check(passed_only, published).claims.score is None
    for garbage in ("", "JEC1:", "JEC1:!!", text[:-9], "HC1:" + text[5:], "JEC1:" + "0" * 3000):
        assert offline.check(garbage, published).outcome == offline.UNREADABLE


def test_the_printed_code_is_read_from_a_picture_and_verified_offline(app, create_user, tmp_path):
    holder, certificate = issued_to(app, create_user)
    pdf = holder.get(f"/certificates/{certificate.id}/certificate.pdf").data
    texts = qr_codes_of(pdf, tmp_path)
    assert len(texts) == 2, "the link's QR code and the signed one"
    [signed] = [text for text in texts if text.startswith(offline.PREFIX)]

    def verify(picture):
        runner = CliRunner()
        return runner.invoke(
            main,
            ["certificates", "verify", "--qr", str(picture)],
            obj=ScriptInfo(create_app=lambda: app),
        )

    result = verify(tmp_path / "page.png")
    assert result.exit_code == 0, result.output
    assert "SIGNED" in result.output and "Judge Amara Okafor" in result.output
    assert "Revocation can only be checked online" in result.output
    assert f"/verify/{certificate.code}" in result.output

    claims = offline.check(signed, []).claims
    assert claims is not None and claims.score == round(certificate.score)

    other = Ed25519PrivateKey.generate()
    segno.make(offline.seal(claims, other), error="m").save(tmp_path / "forged.png", scale=4)
    refused = verify(tmp_path / "forged.png")
    assert refused.exit_code == 1 and "UNKNOWN KEY" in refused.output


def test_the_offline_verifier_embeds_the_keys_under_its_own_policy(app, create_user):
    issued_to(app, create_user)
    response = app.test_client().get("/verify/offline")
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    nonce = re.search(r"script-src 'nonce-([^']+)'", policy).group(1)
    page = response.get_data(as_text=True)
    assert f'<script nonce="{nonce}">' in page and "connect-src" not in policy
    assert "default-src 'none'" in policy
    with app.app_context():
        from elearning.certificates import adapters, keys

        [key] = keys.all_keys(adapters.issuer().keys_dir)
        assert offline.key_id(key.public).hex() in page
        assert key.public.public_bytes_raw().hex() in page
    assert "Revocation is checked online only" in page
    assert utcnow().date().isoformat() in page
