"""Rate-limit counters kept in the platform's own database, shared by every worker and host.

Counting in each process's memory lets an attacker spread attempts over the workers (30 tries
got 17 through instead of 10 on two workers); Redis shares the count but is one more server to
run. This store needs nothing the platform does not already have: one small table, one
``INSERT ... ON CONFLICT`` per counted request, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import random
import time

from limits.storage import Storage
from sqlalchemy import Float, Integer, String, case, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from elearning.extensions import db

SCHEME = "database"


class RateLimitCounter(db.Model):
    """The hits of one rate-limit key in its current window."""

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    hits: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[float] = mapped_column(Float, index=True)  # seconds since the epoch


class DatabaseStorage(Storage):
    """A ``limits`` storage (fixed windows) on the SQLAlchemy engine given as ``engine``."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options) -> None:
        self.engine: Engine = options["engine"]
        super().__init__(uri, wrap_exceptions=wrap_exceptions)

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def _insert(self):
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        return dialect.insert(RateLimitCounter.__table__)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        table = RateLimitCounter.__table__
        expired = table.c.expires_at <= now
        statement = (
            self._insert()
            .values(key=key, hits=amount, expires_at=now + expiry)
            .on_conflict_do_update(
                index_elements=[table.c.key],
                set_={
                    "hits": case((expired, amount), else_=table.c.hits + amount),
                    "expires_at": case((expired, now + expiry), else_=table.c.expires_at),
                },
            )
            .returning(table.c.hits)
        )
        with self.engine.begin() as connection:
            hits = connection.execute(statement).scalar_one()
            if random.random() < 0.01:  # noqa: S311  # nosec B311 - housekeeping, not a secret
                connection.execute(delete(table).where(table.c.expires_at <= now))
        return hits

    def get(self, key: str) -> int:
        table = RateLimitCounter.__table__
        with self.engine.connect() as connection:
            hits = connection.execute(
                select(table.c.hits).where(table.c.key == key, table.c.expires_at > time.time())
            ).scalar()
        return hits or 0

    def get_expiry(self, key: str) -> float:
        table = RateLimitCounter.__table__
        with self.engine.connect() as connection:
            expires = connection.execute(
                select(table.c.expires_at).where(table.c.key == key)
            ).scalar()
        return expires if expires is not None else time.time()

    def check(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.execute(select(1))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with self.engine.begin() as connection:
            return connection.execute(delete(RateLimitCounter.__table__)).rowcount

    def clear(self, key: str) -> None:
        table = RateLimitCounter.__table__
        with self.engine.begin() as connection:
            connection.execute(delete(table).where(table.c.key == key))
