"""Every model of every domain, imported in one place for the metadata and Alembic."""

from elearning.accounts.models import AccountToken, Role, TokenPurpose, User
from elearning.admin.models import AuditEvent
from elearning.assessments.models import Attempt, Response
from elearning.certificates.models import Certificate, CertificateRequest, NameCorrection
from elearning.learning.models import CheckAnswer, Enrolment, LessonCompletion

__all__ = [
    "AccountToken",
    "Attempt",
    "AuditEvent",
    "Certificate",
    "CertificateRequest",
    "CheckAnswer",
    "Enrolment",
    "LessonCompletion",
    "NameCorrection",
    "Response",
    "Role",
    "TokenPurpose",
    "User",
]
