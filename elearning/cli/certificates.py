"""`elearning certificates`: issue what a course owes, and verify a certificate."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from elearning.cli.content import require_valid_content
from elearning.cli.schema import require_current_schema
from elearning.config import DEVELOPMENT_BASE_URL


@click.group("certificates")
def certificates_group() -> None:
    """Issue and verify certificates."""


@certificates_group.command("issue")
@click.option("--course", "course_slug", required=True, help="Course whose certificates to issue.")
@click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    default=None,
    help="Processes rendering at once.  [default: every core]",
)
@click.option("--dry-run", is_flag=True, help="Only count who is owed a certificate.")
@click.option(
    "--cohort",
    "cohort_id",
    type=int,
    default=None,
    help="Only the members of this cohort (its number, as in its address /cohorts/N).",
)
@with_appcontext
def certificates_issue(
    course_slug: str, jobs: int | None, dry_run: bool, cohort_id: int | None
) -> None:
    """Issue every certificate the course owes: to each learner who completed every lesson and
    passed the final assessment and holds none yet (approval or not). Renders on every core."""
    import time
    from concurrent.futures import ProcessPoolExecutor

    from elearning.certificates import adapters, issuance, services
    from elearning.certificates.messages import refusal
    from elearning.extensions import db
    from elearning.sqltypes import utcnow

    require_current_schema(current_app)
    catalog = require_valid_content(current_app._get_current_object())
    course = catalog.course(course_slug)
    if course is None:
        known = ", ".join(c.slug for c in catalog.courses)
        raise click.ClickException(f"No course {course_slug!r}. Courses: {known}.")
    if current_app.config["BASE_URL"] == DEVELOPMENT_BASE_URL:
        click.echo(
            f"Note: the QR codes will point to {DEVELOPMENT_BASE_URL}; set ELEARNING_BASE_URL to "
            "the platform's public address before issuing certificates for real.",
            err=True,
        )
    owed = services.owe_eligible(db.session, course, utcnow())
    where = course.slug
    if cohort_id is not None:
        from sqlalchemy import select

        from elearning.cohorts.models import Cohort, CohortMember

        cohort = db.session.get(Cohort, cohort_id)
        if cohort is None or cohort.course_slug != course.slug:
            raise click.ClickException(f"No cohort {cohort_id} takes the course {course.slug}.")
        members = set(
            db.session.scalars(
                select(CohortMember.enrolment_id).where(CohortMember.cohort_id == cohort_id)
            )
        )
        owed = [enrolment_id for enrolment_id in owed if enrolment_id in members]
        where = f"cohort {cohort_id} ({cohort.name})"
    if dry_run:
        db.session.rollback()
        click.echo(f"{len(owed)} learner(s) of {where} are owed a certificate.")
        return
    db.session.commit()
    if not owed:
        click.echo(f"Nobody in {where} is owed a certificate: nothing to issue.")
        return
    jobs = jobs or os.cpu_count() or 1
    started = time.perf_counter()
    with (
        ProcessPoolExecutor(max_workers=jobs) as pool,
        click.progressbar(length=len(owed), label=f"Issuing on {jobs} process(es)") as bar,
    ):
        result = issuance.issue_many(
            db.session,
            course,
            owed,
            issuing=adapters.issuing(),
            issued_by=None,
            now=utcnow(),
            via=issuance.ISSUED_FROM_COMMAND_LINE,
            render_all=lambda render, drafts: pool.map(render, drafts),
            commit=db.session.commit,
            on_progress=bar.update,
            batch=jobs * 4,
        )
    seconds = time.perf_counter() - started
    click.echo(
        f"Issued {len(result.issued)} certificate(s) in {seconds:.1f} s "
        f"({jobs} rendering process(es))."
    )
    for enrolment_id, reason in sorted(result.refused.items()):
        click.echo(f"  not issued, enrolment {enrolment_id}: {refusal(reason)}")


OUTCOMES = {
    "valid": "VALID: signed by this academy, unaltered, and the certificate stands.",
    "revoked": "REVOKED: the credential is genuine but its certificate was revoked.",
    "superseded": "SUPERSEDED: the credential is genuine but a corrected certificate replaced it.",
    "expired": "EXPIRED: the credential is genuine and unaltered, but its validity has ended.",
    "tampered": "TAMPERED: the signature does not match what the credential states.",
    "unknown-issuer": "UNKNOWN ISSUER: not signed with any key this academy publishes.",
    "unreadable": "NOT A CREDENTIAL: the file is not a signed verifiable credential.",
}


def _verify_credential(path: Path) -> None:
    """Check a credential file's proof and status; exit 0 only when it is valid."""
    from elearning.certificates import adapters, credentials
    from elearning.extensions import db
    from elearning.sqltypes import utcnow

    check = credentials.check_credential(db.session, adapters.issuer(), path.read_bytes(), utcnow())
    click.echo(OUTCOMES[check.outcome])
    if check.certificate is not None:
        click.echo(f"Holder:   {check.certificate.holder_name}")
        click.echo(f"Course:   {check.certificate.course_title}")
        click.echo(f"Serial:   {check.certificate.serial}")
    sys.exit(0 if check.outcome == "valid" else 1)


OFFLINE_OUTCOMES = {
    "valid": "SIGNED: by this academy's key, and unaltered since it was printed.",
    "tampered": "TAMPERED: the signature does not match what the code states.",
    "unknown-key": "UNKNOWN KEY: not signed with any key this academy publishes.",
    "unreadable": "NOT A CERTIFICATE CODE: the picture holds no signed certificate code.",
}


def _read_qr(path: Path) -> str:
    """The text of the signed QR code in a picture (PNG, JPEG), or the first code found."""
    import zxingcpp
    from PIL import Image, UnidentifiedImageError

    from elearning.certificates import offline

    try:
        with Image.open(path) as picture:
            found = [code.text for code in zxingcpp.read_barcodes(picture)]
    except (UnidentifiedImageError, OSError) as error:
        raise click.ClickException(f"{path} is not a picture: {error}") from error
    signed = [text for text in found if text.startswith(offline.PREFIX)]
    if not found:
        raise click.ClickException(f"No QR code found in {path}.")
    return (signed or found)[0]


def _verify_qr(path: Path) -> None:
    """Check the signed QR code in a picture with the published keys; exit 0 when it holds."""
    from elearning import codes
    from elearning.certificates import adapters, keys, offline

    issuer = adapters.issuer()
    published = [key.public for key in keys.all_keys(issuer.keys_dir)]
    check = offline.check(_read_qr(path), published)
    click.echo(OFFLINE_OUTCOMES[check.outcome])
    if check.claims is not None:
        claims = check.claims
        click.echo(f"Holder:   {claims.holder}")
        click.echo(f"Course:   {claims.course} ({claims.edition})")
        click.echo(f"Score:    {'passed' if claims.score is None else f'{claims.score}%'}")
        click.echo(f"Issued:   {claims.issued_on.isoformat()}")
        click.echo(f"Code:     {claims.code}")
        click.echo(f"Issuer:   {claims.issuer}")
        click.echo(
            "Revocation can only be checked online: "
            + adapters.verify_url(codes.normalise(claims.code) or claims.code)
        )
    sys.exit(0 if check.outcome == offline.VALID else 1)


@certificates_group.command("rotate-key")
@with_appcontext
def certificates_rotate_key() -> None:
    """Make a new signing key: it signs every credential and certificate QR code from now on;
    the earlier keys stay published, so what they signed still verifies."""
    from elearning.certificates import adapters, keys
    from elearning.sqltypes import utcnow

    folder = adapters.issuer().keys_dir
    key = keys.create_key(folder, utcnow())
    click.echo(f"New signing key {key.multikey} in {key.file}.")
    click.echo(f"Published keys: {len(keys.all_keys(folder))} (see /.well-known/did.json).")


@certificates_group.command("verify")
@click.argument("code", required=False)
@click.option(
    "--credential",
    "credential_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Check this verifiable credential file (.json) instead of a code: proof and status.",
)
@click.option(
    "--pdf",
    "pdf_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Also check that this PDF file is the one issued.",
)
@click.option(
    "--qr",
    "qr_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Check the signed QR code in this picture (PNG, JPEG) with the published keys, as "
    "offline: its signature, not whether it was revoked since.",
)
@with_appcontext
def certificates_verify(
    code: str | None, credential_path: Path | None, pdf_path: Path | None, qr_path: Path | None
) -> None:
    """Check a certificate by its code, as the public page does, a credential file, or the
    signed QR code in a picture. Exit status 0 when it is valid and current (and the PDF, if
    given, matches), 1 otherwise (expired too)."""
    from elearning.certificates import register, services
    from elearning.extensions import db

    if credential_path is not None:
        _verify_credential(credential_path)
    if qr_path is not None:
        _verify_qr(qr_path)
    if code is None:
        raise click.UsageError("Give a certificate's code, --credential FILE or --qr PICTURE.")

    certificate = services.find_by_code(db.session, code)
    if certificate is None:
        click.echo("Not found: no certificate has this code.")
        sys.exit(1)
    facts = register.public_facts(db.session, certificate)
    data = facts.as_json()
    click.echo(f"Status:   {data['status'].upper()}")
    click.echo(f"Holder:   {data['holder']}")
    click.echo(f"Course:   {data['course']}")
    click.echo(f"Issuer:   {data['issuer']}")
    click.echo(f"Issued:   {data['issued_on']}")
    if facts.hours is not None:
        category = f" ({facts.category})" if facts.category else ""
        click.echo(f"Hours:    {facts.hours:g} hours of study{category}")
    if facts.valid_until is not None:
        label = "Expired:" if facts.is_expired else "Valid to:"
        note = " (authentic, no longer current)" if facts.is_expired else ""
        click.echo(f"{label:<9} {data['valid_until']}{note}")
    click.echo(f"Code:     {data['code']}")
    click.echo(f"SHA-256:  {data['pdf_sha256']}")
    if facts.status == "revoked":
        click.echo(f"Revoked:  {data['revoked_on']}: {data['revocation_reason']}")
    if facts.successor_code:
        click.echo(f"Replaced by the certificate {data['superseded_by']}")
    ok = data["status"] == "valid"
    if pdf_path is not None:
        matches = services.sha256(pdf_path.read_bytes()) == facts.pdf_sha256
        click.echo(
            "PDF:      matches the certificate issued"
            if matches
            else "PDF:      DOES NOT MATCH the certificate issued"
        )
        ok = ok and matches
        click.echo(f"Signed:   {_signature_line(pdf_path.read_bytes())}")
    sys.exit(0 if ok else 1)


def _signature_line(pdf: bytes) -> str:
    """What the PDF's own signature says, checked here with no network."""
    from elearning.certificates import adapters, signing

    check = signing.check_signature(pdf, adapters.pdf_signing())
    if not check.is_signed:
        return "no signature (certificates issued before PDFs were signed carry none)"
    if not check.is_intact:
        return f"BROKEN: the file was changed after {check.signer} signed it"
    whose = "this platform's key" if check.is_ours else "NOT this platform's key"
    return f"valid, by {check.signer} ({whose}), over the whole file"
