"""What every template can use: fingerprinted asset URLs, text direction, language names."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, time
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import format_percent
from flask import Flask, current_app, g, has_request_context, request, url_for
from flask_babel import get_locale, get_timezone, get_translations
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from jinja2 import pass_context
from markupsafe import Markup, escape

from elearning.i18n import LANGUAGE_NAMES, text_direction
from elearning.web.csrfmask import mask
from elearning.web.links import public_url


@cache
def _fingerprint(static_folder: str, filename: str) -> str:
    path = Path(static_folder) / filename
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def asset_url(filename: str) -> str:
    """The URL of a static file with a content hash, so it can be cached for a year."""
    fingerprint = _fingerprint(current_app.static_folder, filename)
    return page_url("static", filename=filename, v=fingerprint)


URL_CACHE_SIZE = 4096  # addresses remembered per app: every page's links, many times over


def page_url(endpoint: str, **values) -> str:
    """``url_for`` for the pages' links, each address built once and then remembered.

    A page builds a dozen or more addresses, each the same on every request (a relative address
    depends only on the endpoint, its values and the prefix the platform is served under), and
    Werkzeug takes a good part of a page's time building them. Addresses that depend on more (an
    absolute one, from the request's host; an endpoint relative to the current blueprint; a
    value that cannot be a key) are built as Flask builds them, every time.
    """
    if (
        endpoint.startswith(".")
        or not has_request_context()
        or any(name.startswith("_") for name in values)
    ):
        return url_for(endpoint, **values)
    try:
        # The type is part of the key: True == 1, but they make different addresses.
        key = (request.script_root, endpoint, *sorted((n, type(v), v) for n, v in values.items()))
        hash(key)
    except TypeError:  # a list, a dict...: not a key, and rare
        return url_for(endpoint, **values)
    urls = current_app.extensions["page_urls"]
    url = urls.get(key)
    if url is None:
        url = url_for(endpoint, **values)
        if len(urls) >= URL_CACHE_SIZE:
            urls.clear()  # values from the address bar (ids, pages) must not grow it for ever
        urls[key] = url
    return url


def percent(value: float, digits: int = 0) -> str:
    """A per cent figure (0-100) as the page's language writes it: "85%", "85 %", "85٪"."""
    return _percent(get_locale(), value, digits)


@lru_cache(maxsize=1024)
def _percent(locale: Locale, value: float, digits: int) -> str:
    pattern = locale.percent_formats[None].pattern  # "#,##0%", "#,##0 %"...
    if digits:
        last = pattern.rfind("0")
        pattern = pattern[: last + 1] + "." + "0" * digits + pattern[last + 1 :]
    text = format_percent(Decimal(str(value)) / 100, format=pattern, locale=locale)
    if locale.character_order == "right-to-left":
        # Isolated left to right, so "85%" does not become "%85" inside Arabic text.
        return "\u2066" + text + "\u2069"
    return text


def csrf_field() -> Markup:
    """The hidden CSRF input for a form the page builds by hand (no form object needed), its
    token masked afresh for each form (:mod:`elearning.web.csrfmask`), so the page need not be
    searched for it as it leaves. Inside a fragment being remembered, its slot: a token is
    never kept for another reader."""
    if g.get("_remembering"):
        return slot("csrf")
    return Markup('<input name="csrf_token" type="hidden" value="%s">') % mask(generate_csrf())


#: What a remembered fragment leaves for each request to fill in: stand-ins that no text of the
#: platform contains (a NUL on either side of the slot's name).
_SLOT = re.compile("\x00([^\x00]+)\x00")
FRAGMENT_CACHE_SIZE = 2048  # a lesson's text, its checks as each reader sees them, headers


def slot(name: str) -> Markup:
    """Inside a remembered fragment, the place of a value of the request: ``csrf`` (the form's
    token), ``here`` (the page's own address, to come back to), or one of the ``fills`` given to
    ``remembered`` (what is the reader's own inside a page that is otherwise everyone's)."""
    return Markup(f"\x00{name}\x00")  # noqa: S704 - a stand-in, replaced  # nosec B704


def remembered(*key, caller, fills: dict[str, str] | None = None) -> Markup:
    """The block of a ``{% call remembered(...) %}``, rendered once for each ``key`` (what the
    block depends on: the page's language, its section, the user's roles) and then remembered,
    its slots filled anew on every request, in one pass (a value put in is not read again for
    slots). Rendered afresh while templates reload (development); when the store is full, the
    oldest fragment makes way."""
    fragments = current_app.extensions["page_fragments"]
    key = (request.script_root, *key)
    html = fragments.get(key)
    if html is None:
        g._remembering = g.get("_remembering", 0) + 1
        try:
            html = str(caller())
        finally:
            g._remembering -= 1
        if not current_app.jinja_env.auto_reload:
            while len(fragments) >= FRAGMENT_CACHE_SIZE:
                try:
                    del fragments[next(iter(fragments))]
                except (KeyError, RuntimeError, StopIteration):  # another thread made way
                    break
            fragments[key] = html

    def fill(match: re.Match) -> str:
        name = match.group(1)
        if fills and name in fills:
            return fills[name]
        if name == "csrf":
            return csrf_field()
        if name == "here":
            return escape(request.full_path if request.query_string else request.path)
        raise KeyError(f"no value for the slot {name!r}")

    return Markup(_SLOT.sub(fill, html))  # noqa: S704 - our rendered template  # nosec B704


def _page_gettext(translations):
    """Jinja's new-style gettext and ngettext bound to this request's translations.

    Flask-Babel's own look the translations up again on every call; a lesson page makes
    dozens of calls, so each page binds them once.
    """

    @pass_context
    def gettext(context, string: str, **variables):
        text = translations.ugettext(string)
        if context.eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704 - our catalog; % escapes values  # nosec B704
        # Most of a page's texts have no placeholder: nothing to put in, nothing to unescape.
        return text % variables if variables or "%" in text else text

    @pass_context
    def ngettext(context, singular: str, plural: str, num: int, **variables):
        variables.setdefault("num", num)
        text = translations.ungettext(singular, plural, num)
        if context.eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704 - our catalog; % escapes values  # nosec B704
        return text % variables

    return gettext, ngettext


def when(value: datetime | None, _format: str | None = None) -> str:
    """A moment as the platform writes every one: the date in words and the time to the minute,
    in the viewer's language and time zone, with the zone's name ("7 December 2026, 17:19 EAT").
    One style everywhere, never an ambiguous "11/12/26"; the ``format`` a template asks for is
    ignored on purpose."""
    if value is None:
        return ""
    return _when(value, get_timezone(), get_locale() or Locale("en"))


@lru_cache(maxsize=1024)
def _when(value: datetime, zone, locale: Locale) -> str:
    moment = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(zone)
    pattern = locale.datetime_formats["medium"]
    text = (
        str(pattern)
        .replace("{1}", format_date(moment, "long", locale=locale))
        .replace("{0}", format_time(moment, "short", locale=locale))
        .replace("'", "")
    )
    return f"{text} {moment.tzname()}"


def clock(value: time | None) -> str:
    """A time of day on a venue's clock (a workshop session's start), to the minute, in the
    viewer's language; not moved to the viewer's time zone: the session is held at the venue."""
    if value is None:
        return ""
    return format_time(value, "short", locale=get_locale() or Locale("en"))


def init_app(app: Flask) -> None:
    """Register the template globals and filters."""
    app.extensions["page_urls"] = {}
    app.extensions["page_fragments"] = {}
    app.jinja_env.globals["remembered"] = remembered
    app.jinja_env.globals["slot"] = slot
    app.jinja_env.globals["url_for"] = page_url
    app.jinja_env.filters["datetimeformat"] = when
    app.jinja_env.filters["clock"] = clock
    app.jinja_env.filters["percent"] = percent
    app.jinja_env.filters["direction"] = text_direction

    @app.context_processor
    def layout_context():
        language = str(get_locale() or app.config["DEFAULT_LANGUAGE"])
        gettext, ngettext = _page_gettext(get_translations())
        direction = text_direction(language)
        return {
            # `_` too: Jinja's own looks "gettext" up again and calls it through a second call.
            "_": gettext,
            "gettext": gettext,
            "ngettext": ngettext,
            # The real user object, not Flask-Login's proxy: a page reads it dozens of times.
            "current_user": current_user._get_current_object(),
            "asset_url": asset_url,
            "page_language": language,
            "page_direction": direction,
            # Back and forward point the way the page reads.
            "arrow_back": "→" if direction == "rtl" else "←",
            "arrow_forward": "←" if direction == "rtl" else "→",
            "language_names": LANGUAGE_NAMES,
            "csrf_field": csrf_field,
            "public_url": public_url,
        }
