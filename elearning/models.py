"""Every model of every domain, imported in one place for the metadata and Alembic."""

from elearning.accounts.models import AccountToken, Role, TokenPurpose, User
from elearning.assessments.models import Attempt, Response
from elearning.audit.models import AuditEvent
from elearning.certificates.models import (
    Certificate,
    CertificateRejection,
    CertificateRequest,
    NameCorrection,
)
from elearning.cohorts.models import (
    Cohort,
    CohortInvitation,
    CohortMember,
    CohortTrainer,
    ParticipantUpload,
)
from elearning.learning.models import CheckAnswer, Enrolment, LessonCompletion
from elearning.outbox.models import OutboxMessage
from elearning.ratelimits import RateLimitCounter

__all__ = [
    "AccountToken",
    "Attempt",
    "AuditEvent",
    "Certificate",
    "CertificateRejection",
    "CertificateRequest",
    "CheckAnswer",
    "Cohort",
    "CohortInvitation",
    "CohortMember",
    "CohortTrainer",
    "Enrolment",
    "LessonCompletion",
    "NameCorrection",
    "OutboxMessage",
    "ParticipantUpload",
    "RateLimitCounter",
    "Response",
    "Role",
    "TokenPurpose",
    "User",
]
