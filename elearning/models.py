"""Every model of every domain, imported in one place for the metadata and Alembic."""

from elearning.accounts.models import AccountToken, Role, TokenPurpose, User
from elearning.admin.models import AuditEvent
from elearning.assessments.models import Attempt, Response
from elearning.learning.models import CheckAnswer, Enrolment, LessonCompletion

__all__ = [
    "AccountToken",
    "Attempt",
    "AuditEvent",
    "CheckAnswer",
    "Enrolment",
    "LessonCompletion",
    "Response",
    "Role",
    "TokenPurpose",
    "User",
]
