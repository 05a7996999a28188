"""Outgoing e-mail: printed to the console, written to files, or sent by SMTP (configuration)."""

from __future__ import annotations

import smtplib
import sys
import time
import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any


class MailError(RuntimeError):
    """The message could not be handed to the configured transport."""


def build_message(sender: str, to: str, subject: str, body: str) -> EmailMessage:
    """A plain-text UTF-8 message."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    # A subject is one line: a cohort's name may hold a line separator (U+2028) typed in
    # before names refused them, and a header cannot.
    message["Subject"] = " ".join(subject.split())
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="elearning.invalid")
    message.set_content(body)
    return message


def deliver_message(config: dict[str, Any], message: EmailMessage) -> None:
    """Hand ``message`` to the transport named by MAIL_BACKEND."""
    backend = config["MAIL_BACKEND"]
    if backend == "console":
        sys.stdout.write(f"\n----- e-mail -----\n{message.as_string()}\n------------------\n")
        sys.stdout.flush()
    elif backend == "file":
        folder = Path(config["MAIL_DIR"])
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}.eml"
        (folder / name).write_bytes(bytes(message))
    elif backend == "smtp":
        try:
            with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=20) as smtp:
                if config["SMTP_STARTTLS"]:
                    smtp.starttls()
                if config.get("SMTP_USERNAME"):
                    smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"] or "")
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(str(exc)) from exc
    else:
        raise MailError(f"unknown MAIL_BACKEND {backend!r}: use console, file or smtp")


def send_mail(to: str, subject: str, template: str, **context: Any) -> None:
    """Render ``templates/email/<template>.txt`` in the current language and deliver it."""
    from flask import current_app, render_template

    body = render_template(f"email/{template}.txt", **context)
    message = build_message(current_app.config["MAIL_FROM"], to, str(subject), body)
    deliver_message(current_app.config, message)
