"""Column types shared by every domain's models."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import GenericFunction
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class lower_text(GenericFunction):  # noqa: N801 (a SQL function's name)
    """Text in lower case in every alphabet, for searching: ``lower()`` on PostgreSQL (which
    folds every letter under a UTF-8 locale); on SQLite, whose ``lower()`` folds ASCII only,
    Python's ``str.lower`` registered on each connection as ``unicode_lower``."""

    type = String()
    inherit_cache = True


@compiles(lower_text)
def _lower_default(element, compiler, **kw):
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(lower_text, "sqlite")
def _lower_sqlite(element, compiler, **kw):
    return f"unicode_lower({compiler.process(element.clauses, **kw)})"


def unicode_lower(value):
    """SQLite's ``unicode_lower()``: NULL and non-text pass through."""
    return value.lower() if isinstance(value, str) else value


def contains_folded(column, query: str):
    """``column`` contains ``query`` whatever the case, in any alphabet; ``%`` and ``_`` typed
    in ``query`` match themselves."""
    return lower_text(column).contains(query.strip().lower(), autoescape=True)
