"""Pure rules of a certificate's validity period: when it expires, when its holder is reminded,
when they may renew. No database, no Flask."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import datetime, timedelta


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` the same day ``months`` later; the month's last day when it is shorter
    (31 January + 1 month: 28 or 29 February)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def valid_until(issued_at: datetime, valid_months: int | None) -> datetime | None:
    """When a certificate issued at ``issued_at`` expires (None: never)."""
    return add_months(issued_at, valid_months) if valid_months else None


def is_expired(until: datetime | None, now: datetime) -> bool:
    """Whether a certificate valid until ``until`` has expired at ``now``."""
    return until is not None and now >= until


def due_reminder(
    until: datetime | None, remind_days: Sequence[int], last_sent: int | None, now: datetime
) -> int | None:
    """The reminder owed now (its days before expiry), or None: the nearest threshold passed
    and not yet sent. Thresholds skipped (a certificate issued 10 days before its expiry) are
    not sent late; none is sent once the certificate has expired."""
    if until is None or now >= until:
        return None
    passed = [days for days in remind_days if now >= until - timedelta(days=days)]
    if not passed:
        return None
    due = min(passed)
    return due if last_sent is None or due < last_sent else None


def renewal_open(until: datetime | None, remind_days: Sequence[int], now: datetime) -> bool:
    """Whether the holder may renew: from the first reminder on, and after expiry."""
    return (
        until is not None and bool(remind_days) and now >= until - timedelta(days=max(remind_days))
    )
