"""Verifiable credentials on the web: the issuer's DID document and profile, the status lists
(all public, no login), a certificate's OpenBadgeCredential (its holder's or an admin's), the
public check of an uploaded credential file, and the offline verifier of the signed QR codes.
"""

from __future__ import annotations

import json
import secrets

from flask import abort, current_app, make_response, redirect, render_template, request, url_for
from flask_login import login_required

from elearning import codes
from elearning.catalog import get_catalog
from elearning.certificates import adapters, bp, credentials, integrity, keys, offline
from elearning.certificates.forms import CheckCredentialForm, VerifyCodeForm
from elearning.certificates.views import _own_or_admin, verify_limit
from elearning.extensions import db
from elearning.sqltypes import utcnow
from elearning.web.links import public_url

PUBLIC_CACHE = "public, max-age=300"  # status changes reach verifiers within five minutes


def _json(document: dict, media_type: str, cache: str):
    """``document`` as a JSON response any site may read, with an ETag of its bytes."""
    response = make_response(json.dumps(document, ensure_ascii=False, indent=2))
    response.mimetype = media_type
    response.headers["Cache-Control"] = cache
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.add_etag()
    return response.make_conditional(request)


@bp.route("/.well-known/did.json")
def did_document():
    """The ``did:web`` document: every published key."""
    document = credentials.did_document(adapters.issuer(), utcnow())
    return _json(document, "application/did+ld+json", PUBLIC_CACHE)


@bp.route("/did.json")
def did_document_under_path():
    """The same document where did:web looks for it when the public address has a path
    (``https://courts.example.org/ethics`` is ``did:web:courts.example.org:ethics``)."""
    return did_document()


@bp.route("/issuer.json")
def issuer_profile():
    """The issuer's Open Badges profile."""
    issuer = adapters.issuer()
    profile = {"@context": [integrity.VC_CONTEXT, integrity.OB_CONTEXT]}
    return _json({**profile, **credentials.profile(issuer)}, "application/ld+json", PUBLIC_CACHE)


@bp.route("/certificates/status/<int:number>.json")
def status_list(number: int):
    """A Bitstring Status List credential (revoked and superseded certificates set their bit)."""
    if number > 2**31 // credentials.LIST_SIZE:
        abort(404)
    document = credentials.status_list(db.session, adapters.issuer(), number, utcnow())
    return _json(document, credentials.JSON_MEDIA_TYPE, PUBLIC_CACHE)


@bp.route("/certificates/<int:certificate_id>/credential.json")
@login_required
def credential(certificate_id: int):
    """The certificate as a signed OpenBadgeCredential, to keep in a wallet or hand over."""
    certificate = _own_or_admin(certificate_id)
    course = get_catalog().course(certificate.course_slug)
    document = credentials.credential(db.session, adapters.issuer(), certificate, course, utcnow())
    response = _json(document, credentials.JSON_MEDIA_TYPE, "private, no-cache")
    filename = f"certificate-{codes.display(certificate.code)}.json"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.route("/verify/credential", methods=["GET", "POST"])
@verify_limit
def verify_credential():
    """Check an uploaded credential: its proof with the published keys, then its status. The
    address opened (a bookmark, a reload) leads to the form."""
    if request.method == "GET":
        return redirect(url_for("certificates.verify_form") + "#check-credential")
    form = CheckCredentialForm()
    if not form.validate_on_submit():
        page = render_template(
            "certificates/verify_form.html", form=VerifyCodeForm(), credential_form=form
        )
        return page, 400
    raw = form.credential.data.read(current_app.config["MAX_CONTENT_LENGTH"])
    check = credentials.check_credential(db.session, adapters.issuer(), raw, utcnow())
    return render_template(
        "certificates/verify_credential.html",
        check=check,
        form=CheckCredentialForm(formdata=None),
        display=codes.display,
    )


def _offline_policy(nonce: str) -> str:
    """The offline verifier's own CSP: its inline script and style (by nonce), no fetching at
    all (it must work with no network, and nothing it reads leaves the page)."""
    return "; ".join(
        (
            "default-src 'none'",
            f"script-src 'nonce-{nonce}'",
            f"style-src 'nonce-{nonce}'",
            "img-src data:",
            "media-src blob: mediastream:",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        )
    )


@bp.route("/verify/offline")
@verify_limit
def offline_verifier():
    """One self-contained page, saved once, that checks the certificates' signed QR codes
    with no network: the published keys are in it, the signature is checked in the browser."""
    issuer = adapters.issuer()
    published = keys.all_keys(issuer.keys_dir) or [keys.signing_key(issuer.keys_dir, utcnow())]
    nonce = secrets.token_urlsafe(18)
    page = render_template(
        "certificates/offline_verifier.html",
        nonce=nonce,
        policy=_offline_policy(nonce),
        keys=[
            {"kid": offline.key_id(k.public).hex(), "key": k.public.public_bytes_raw().hex()}
            for k in published
        ],
        issuer=issuer,
        saved_on=utcnow().date().isoformat(),
        verify_url=public_url("certificates.verify", code="CODE"),
        prefix=offline.PREFIX,
    )
    response = make_response(page)
    response.headers["Content-Security-Policy"] = _offline_policy(nonce)
    response.headers["Permissions-Policy"] = "camera=(self), microphone=(), geolocation=()"
    return response
