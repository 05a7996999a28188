"""Files handed to the browser: exports and reports holding personal data."""

from __future__ import annotations

import io

from flask import Response, send_file


def attachment(body: bytes, filename: str, mimetype: str) -> Response:
    """A download (Flask writes the Content-Disposition, non-ASCII names included) that no
    cache keeps."""
    response = send_file(
        io.BytesIO(body), mimetype=mimetype, as_attachment=True, download_name=filename
    )
    response.headers["Cache-Control"] = "no-store"
    return response
