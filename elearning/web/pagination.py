"""Paged lists: which page a request asks for, and how many rows a page holds."""

from __future__ import annotations

from flask import request

PER_PAGE = 50
# Far past the end of any list; a larger page would overflow the query's OFFSET.
LAST_PAGE = 1_000_000


def current_page() -> int:
    """The ``page`` query argument of a paginated list, from 1 to LAST_PAGE."""
    return min(max(request.args.get("page", 1, type=int) or 1, 1), LAST_PAGE)
