"""CSRF tokens masked anew in every page, so a compressed page gives away nothing (BREACH).

BREACH reads a secret out of HTTPS pages whose compressed size an attacker can watch while
the page reflects text they chose (a search, a code in the address) next to the secret. Pages
here are compressed for slow connections and reflect such text, and every page carries a CSRF
token in its forms. So the token never appears as it is: each page carries it XORed with a
fresh random pad (and the pad beside it), a different string every time, which compression
cannot converge on. Forms send the masked value back; it is unmasked before Flask-WTF checks
it. (The session cookie is SameSite=Lax besides, so a stolen token alone is no use across
sites: this removes the secret from the body altogether.)
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets

from flask import Flask, Response, request
from werkzeug.datastructures import ImmutableMultiDict

PREFIX = "m."
FIELD = "csrf_token"  # a form with a prefix names it "<prefix>csrf_token"
_IN_PAGE = re.compile(rb'(name="(?:[\w-]*-)?csrf_token" type="hidden" value=")([^"]+)(")')
_VALUE = b'csrf_token" type="hidden" value="'
_MASKED = PREFIX.encode()


def mask(token: str) -> str:
    """``token`` XORed with a fresh random pad, the pad first, in URL-safe base64."""
    raw = token.encode()
    pad = secrets.token_bytes(len(raw))
    return PREFIX + base64.urlsafe_b64encode(pad + _xor(raw, pad)).decode()


def _xor(data: bytes, pad: bytes) -> bytes:
    """``data`` XORed with ``pad`` (as long), byte by byte: as whole numbers, in one step."""
    size = len(data)
    return (int.from_bytes(data) ^ int.from_bytes(pad)).to_bytes(size)


def unmask(value: str) -> str:
    """The token a masked value carries; a value that is not masked is returned as it is (it
    then fails the check on its own, or is an unmasked token from a test client)."""
    if not value.startswith(PREFIX):
        return value
    try:
        data = base64.urlsafe_b64decode(value[len(PREFIX) :].encode())
    except (binascii.Error, ValueError):
        return ""
    if not data or len(data) % 2:
        return ""
    half = len(data) // 2
    return _xor(data[half:], data[:half]).decode(errors="replace")


def init_app(app: Flask) -> None:
    """Mask the token in every HTML page; unmask it in every form, before any check."""

    def unmask_form() -> None:
        if request.method != "POST":
            return
        names = [name for name in request.form if name.endswith(FIELD)]
        if not names:
            return
        form = request.form.copy()
        for name in names:
            form.setlist(name, [unmask(value) for value in form.getlist(name)])
        request.__dict__["form"] = ImmutableMultiDict(form)

    # First of all the hooks: Flask-WTF's CSRF check runs as a before-request hook too.
    app.before_request_funcs.setdefault(None, []).insert(0, unmask_form)

    @app.after_request
    def mask_tokens(response: Response) -> Response:
        if response.mimetype != "text/html" or response.direct_passthrough:
            return response
        page = response.get_data()
        if _has_bare_token(page):
            response.set_data(_IN_PAGE.sub(_masked, page))
        return response


def _has_bare_token(page: bytes) -> bool:
    """Whether a token in ``page`` is not masked yet: the platform's own hidden fields are
    masked as they are written (``templating.csrf_field``); a form object's are not."""
    start = page.find(_VALUE)
    while start != -1:
        start += len(_VALUE)
        if not page.startswith(_MASKED, start):
            return True
        start = page.find(_VALUE, start)
    return False


def _masked(match: re.Match) -> bytes:
    if match[2].startswith(_MASKED):
        return match[0]
    return match[1] + mask(match[2].decode()).encode() + match[3]
