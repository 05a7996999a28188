"""Open Badges 3.0 credentials: the spec's test vector, the issuer's DID document, the holder's
download checked by an independent verifier, the status list, and checking uploaded files."""

from __future__ import annotations

import base64
import copy
import gzip
import hashlib
import io
import json
import stat
from datetime import timedelta
from pathlib import Path

from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask.cli import ScriptInfo
from pyld import jsonld
from sqlalchemy import update

from elearning.accounts.models import Role
from elearning.certificates import integrity
from elearning.certificates.models import Certificate
from elearning.cli import main
from elearning.extensions import db
from elearning.sqltypes import utcnow
from tests.helpers import browser_for, csrf_token_of, issued_to

VECTORS = Path(__file__).parent / "vectors"
CONTEXTS = Path(integrity.__file__).parent / "contexts"
EXAMPLES = "https://www.w3.org/ns/credentials/examples/v2"


def test_the_specs_eddsa_rdfc_2022_test_vector_is_reproduced():
    """W3C vc-di-eddsa, eddsa-rdfc-2022 example: the same key gives the same proof value."""
    pair = json.loads((VECTORS / "keyPair.json").read_text())
    signed = json.loads((VECTORS / "signedDataInt.json").read_text())
    loader = integrity.bundled_loader(
        {EXAMPLES: json.loads((VECTORS / "credentials-examples-v2.jsonld").read_text())}
    )
    key = integrity.private_key_from_multikey(pair["privateKeyMultibase"])
    assert integrity.public_multikey(key.public_key()) == pair["publicKeyMultibase"]
    unsigned = {k: v for k, v in signed.items() if k != "proof"}
    assert integrity.canonical(unsigned, loader) == (VECTORS / "canonDocDataInt.txt").read_text()
    proof = signed["proof"]
    ours = integrity.sign(
        unsigned,
        key,
        verification_method=proof["verificationMethod"],
        created=proof["created"],
        loader=loader,
    )
    assert ours["proof"] == proof


def independent_verify(document: dict, public_multibase: str) -> bool:
    """A second implementation of eddsa-rdfc-2022 verification: pyld and cryptography only."""
    contexts = {
        integrity.VC_CONTEXT: json.loads((CONTEXTS / "credentials-v2.jsonld").read_text()),
        integrity.OB_CONTEXT: json.loads((CONTEXTS / "ob-context-3.0.3.json").read_text()),
    }

    def load(url, options=None):
        return {"contextUrl": None, "documentUrl": url, "document": copy.deepcopy(contexts[url])}

    def digest(doc):
        options = {"algorithm": "URDNA2015", "format": "application/n-quads"}
        nquads = jsonld.normalize(doc, {**options, "documentLoader": load})
        return hashlib.sha256(nquads.encode()).digest()

    proof = dict(document["proof"])
    signature = integrity.from_base58btc(proof.pop("proofValue")[1:])
    body = {k: v for k, v in document.items() if k != "proof"}
    raw = integrity.from_base58btc(public_multibase[1:])
    assert raw[:2] == b"\xed\x01"
    key = Ed25519PublicKey.from_public_bytes(raw[2:])
    try:
        key.verify(signature, digest({**proof, "@context": body["@context"]}) + digest(body))
    except Exception:  # noqa: BLE001 - InvalidSignature: the answer is no
        return False
    return True


def bit(status_list: dict, index: int) -> bool:
    encoded = status_list["credentialSubject"]["encodedList"][1:]
    bits = gzip.decompress(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def upload(client, data: bytes):
    token = csrf_token_of(client, "/verify")
    return client.post(
        "/verify/credential",
        data={"csrf_token": token, "credential": (io.BytesIO(data), "c.json")},
        content_type="multipart/form-data",
    )


def test_a_credential_is_downloaded_verified_independently_and_revoked(app, create_user):
    holder, certificate = issued_to(app, create_user)
    response = holder.get(f"/certificates/{certificate.id}/credential.json")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    document = response.json
    assert document["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    subject = document["credentialSubject"]
    assert subject["name"] == "Judge Amara Okafor" and "amara@example.org" not in response.text
    [identity] = subject["identifier"]
    salted = ("amara@example.org" + identity["salt"]).encode()
    assert identity["identityHash"] == "sha256$" + hashlib.sha256(salted).hexdigest()
    assert subject["result"][0]["value"] == str(round(certificate.score))
    assert subject["achievement"]["version"] == certificate.content_version
    assert holder.get(f"/certificates/{certificate.id}/credential.json").json == document

    public = app.test_client()
    did = public.get("/.well-known/did.json").json
    assert did["id"] == "did:web:127.0.0.1%3A8000" == document["issuer"]["id"]
    [method] = did["verificationMethod"]
    assert document["proof"]["verificationMethod"] == method["id"]
    assert independent_verify(document, method["publicKeyMultibase"])
    altered = json.loads(json.dumps(document).replace("Amara", "Boris"))
    assert not independent_verify(altered, method["publicKeyMultibase"])

    entry = document["credentialStatus"]
    index = int(entry["statusListIndex"])
    status_path = entry["statusListCredential"].removeprefix(app.config["BASE_URL"])
    listed = public.get(status_path).json
    assert not bit(listed, index) and independent_verify(listed, method["publicKeyMultibase"])
    assert "Valid" in upload(public, response.data).text

    with app.app_context():
        db.session.execute(
            update(Certificate)
            .where(Certificate.id == certificate.id)
            .values(revoked_at=utcnow(), revoked_reason="Obtained by fraud")
        )
        db.session.commit()
    assert bit(public.get(status_path).json, index)
    assert "Revoked" in upload(public, response.data).text
    assert "Altered" in upload(public, json.dumps(altered).encode()).text
    assert "Not a credential" in upload(public, b"\xff{not json").text


def test_only_the_holder_and_admins_download_a_credential(app, create_user):
    _, certificate = issued_to(app, create_user)
    create_user(email="boris@example.org", name="Judge Boris Ivanov")
    create_user(email="admin@example.org", role=Role.admin)
    url = f"/certificates/{certificate.id}/credential.json"
    assert browser_for(app, "admin@example.org").get(url).status_code == 200
    assert browser_for(app, "boris@example.org").get(url).status_code == 404
    assert app.test_client().get(url).status_code == 302


def test_a_rotated_key_signs_new_credentials_and_old_ones_still_verify(app, create_user, tmp_path):
    holder, certificate = issued_to(app, create_user)
    before = holder.get(f"/certificates/{certificate.id}/credential.json").data
    [key_file] = Path(app.config["CERTIFICATE_KEYS_DIR"]).glob("*.pem")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600

    def run(*args):
        return CliRunner().invoke(main, list(args), obj=ScriptInfo(create_app=lambda: app))

    assert run("certificates", "rotate-key").exit_code == 0
    after = holder.get(f"/certificates/{certificate.id}/credential.json").data
    assert json.loads(after)["proof"] != json.loads(before)["proof"]
    assert len(app.test_client().get("/.well-known/did.json").json["verificationMethod"]) == 2
    for signed in (before, after):
        (tmp_path / "c.json").write_bytes(signed)
        checked = run("certificates", "verify", "--credential", str(tmp_path / "c.json"))
        assert checked.exit_code == 0 and "VALID" in checked.output, checked.output
    stranger = integrity.sign(
        json.loads(before),
        Ed25519PrivateKey.generate(),
        verification_method=json.loads(before)["proof"]["verificationMethod"][:-3] + "abc",
        created="2026-01-01T00:00:00Z",
    )
    (tmp_path / "s.json").write_text(json.dumps(stranger))
    refused = run("certificates", "verify", "--credential", str(tmp_path / "s.json"))
    assert refused.exit_code == 1 and "UNKNOWN ISSUER" in refused.output


def test_a_credential_states_hours_validity_and_reads_expired_after_it(app, create_user):
    holder, certificate = issued_to(app, create_user)
    with app.app_context():  # a course with credit hours, whose certificates are valid a time
        until = utcnow() + timedelta(days=30)
        db.session.execute(
            update(Certificate)
            .where(Certificate.id == certificate.id)
            .values(valid_until=until, hours=12.0, category="ethics")
        )
        db.session.commit()
    current = holder.get(f"/certificates/{certificate.id}/credential.json")
    assert current.json["validUntil"] == until.strftime("%Y-%m-%dT%H:%M:%SZ")
    subject = current.json["credentialSubject"]
    assert subject["creditsEarned"] == subject["achievement"]["creditsAvailable"] == 12.0
    assert subject["achievement"]["fieldOfStudy"] == "Judicial ethics"
    public = app.test_client()
    assert "Valid" in upload(public, current.data).text
    with app.app_context():  # its date passes
        db.session.execute(
            update(Certificate)
            .where(Certificate.id == certificate.id)
            .values(
                valid_until=utcnow() - timedelta(days=1), issued_at=utcnow() - timedelta(days=400)
            )
        )
        db.session.commit()
    expired = holder.get(f"/certificates/{certificate.id}/credential.json").data
    page = upload(public, expired).text
    assert "Expired" in page and "no longer current" in page
