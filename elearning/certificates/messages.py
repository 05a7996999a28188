"""Why a certificate could not be issued or changed, in words: one table for the pages and the
command line (the services answer with the reason's code)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

REFUSALS = {
    "not-eligible": _l("The lessons or the final assessment are not complete."),
    "revoked": _l("This learner's certificate was revoked: reissue it from its page."),
    "superseded": _l("A newer certificate already replaces this one."),
    "not-current": _l("This certificate no longer stands; reload the page."),
    "pending": _l("A name correction is already waiting for a decision."),
    "same-name": _l("That is the name already printed on the certificate."),
    "decided": _l("This request was already decided."),
    "name": _l("The name is empty, too long or holds invisible characters."),
    "valid": _l("The certificate is valid."),
    "held": _l("An administrator has put this certificate on hold."),
    "attendance": _l(
        "The certificate waits for attendance: the judge's cohort requires attendance at more "
        "of its workshop's sessions."
    ),
    "signing": _l(
        "The certificate cannot be signed at the moment: the platform's signing key could not "
        "be read. Please try again later; the server's log tells the administrators why."
    ),
}
UNKNOWN = _l("The certificate could not be changed.")


def refusal(reason: str) -> str:
    """The sentence for a refusal's reason, in the current language."""
    return str(REFUSALS.get(reason, UNKNOWN))
