"""Every model of every domain, imported in one place for the metadata and Alembic."""

from elearning.accounts.models import AccountToken, Role, TokenPurpose, User
from elearning.admin.models import AuditEvent

__all__ = ["AccountToken", "AuditEvent", "Role", "TokenPurpose", "User"]
