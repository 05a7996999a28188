"""Address converters: ``<int:...>`` holds only numbers the database can store.

An id is compared with an integer column (PostgreSQL's ``integer``: at most 2**31 - 1); a larger
number overflows the query instead of finding nothing, so such an address is the same plain 404
as an unknown id.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter

LARGEST_ID = 2**31 - 1  # PostgreSQL's integer, the ids' column type


class IdConverter(IntegerConverter):
    """``<int:...>`` bounded to the database's integers."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", LARGEST_ID)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    """Use the bounded converter for ``<int:...>``; call before any route is registered."""
    app.url_map.converters["int"] = IdConverter
