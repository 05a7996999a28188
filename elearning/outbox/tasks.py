"""The jobs that send the outbox."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask_babel import force_locale

from elearning.extensions import db
from elearning.jobs import every_minute, job_context, periodic, task
from elearning.mail import MailError, build_message, deliver_message
from elearning.outbox import services
from elearning.outbox.kinds import KINDS
from elearning.sqltypes import utcnow

log = logging.getLogger(__name__)


class SendFailed(Exception):
    """The mail server refused or could not be reached; Huey retries the job."""


@task(retries=services.MAX_ATTEMPTS - 1, retry_delay=30)
def deliver(message_id: int) -> None:
    """Write and send one message, once."""
    with job_context() as app:
        session = db.session
        message = services.claim(session, message_id, utcnow())
        if message is None:
            session.rollback()
            return
        session.commit()  # the claim stands even if what follows fails
        language = message.language or app.config["DEFAULT_LANGUAGE"]
        try:
            with force_locale(language):
                mail = KINDS[message.kind](session, message)
                if mail is not None:
                    body = app.jinja_env.get_template(f"email/{mail.template}.txt").render(
                        **mail.context
                    )
                    email = build_message(
                        app.config["MAIL_FROM"], message.recipient, str(mail.subject), body
                    )
                    deliver_message(app.config, email)
        except MailError as exc:
            session.rollback()
            again = services.record_failure(session, message_id, str(exc))
            session.commit()
            log.warning("e-mail %s (%s) not sent: %s", message_id, message.kind, exc)
            if again:
                raise SendFailed(str(exc)) from exc
            return
        except Exception as exc:
            session.rollback()
            services.record_failure(session, message_id, f"{type(exc).__name__}: {exc}")
            session.commit()
            raise
        if mail is None:
            services.record_dropped(message)
        else:
            services.record_sent(message, utcnow())
        session.commit()


@periodic(every_minute)
def sweep_outbox() -> None:
    """Queue again what no job is looking after (its job was lost with a Redis outage, or its
    worker died mid-send)."""
    with job_context():
        for message_id in services.stranded(db.session, utcnow(), timedelta(minutes=2)):
            deliver(message_id)
        db.session.rollback()


def deliver_now(message_id: int) -> None:
    """Send a message in this process (the CLI's `outbox send`)."""
    deliver.call_local(message_id)
