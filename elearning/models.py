"""Every model of every domain, imported in one place for the metadata and Alembic."""

from elearning.accounts.models import AccountToken, Role, TokenPurpose, User
from elearning.admin.models import AuditEvent
from elearning.learning.models import CheckAnswer, Enrolment, LessonCompletion

__all__ = [
    "AccountToken", "AuditEvent", "CheckAnswer", "Enrolment", "LessonCompletion", "Role",
    "TokenPurpose", "User",
]
