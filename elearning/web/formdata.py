"""What a request may carry: forms as the pages send them, and query strings without NUL.

Flask-WTF reads a JSON body, and a multipart file part, into the form field of the same name,
whose validators expect text: a JSON number, or a file where a name belongs, would reach them as
is and fail with a server error. No page sends either, so a POST that does is a 400 before any
view reads it. So is a NUL character in a query parameter (a search, a filter): PostgreSQL
refuses it in text, so the query behind the page would fail.
"""

from __future__ import annotations

from flask import Flask, abort, request

FORM_MIMETYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
# The names of the forms' file inputs (UploadForm.file, CheckPdfForm.pdf,
# CheckCredentialForm.credential): only they take files.
FILE_FIELDS = frozenset({"file", "pdf", "credential"})


def init_app(app: Flask) -> None:
    """Refuse, on every request to ``app``, what no page of it sends."""

    @app.before_request
    def refuse_what_no_page_sends() -> None:
        if any("\x00" in key or "\x00" in value for key, value in request.args.items(multi=True)):
            abort(400)
        if request.method != "POST":
            return
        if request.mimetype and request.mimetype not in FORM_MIMETYPES:
            abort(400)
        if any(name not in FILE_FIELDS for name in request.files):
            abort(400)
