"""What is wrong with a participants file, in the reader's language: the sentences for the
problem codes ``cohorts.imports`` reports, one table for the preview page and any other reader."""

from __future__ import annotations

from flask_babel import format_decimal
from flask_babel import gettext as _

from elearning.cohorts.imports import Problem, RowError
from elearning.names import NAME_MAX


def _sentence(problem: Problem) -> str:
    facts = problem.facts
    match problem.code:
        case "not-utf8":
            return _(
                "The file is not UTF-8 text (the first problem is on line %(line)s). In a "
                "spreadsheet, save it as “CSV UTF-8”, then upload it again.",
                line=facts["line"],
            )
        case "line-not-utf8":
            return _(
                "this line is not UTF-8 text (a character typed in another encoding); in a "
                "spreadsheet, save the file as “CSV UTF-8”"
            )
        case "no-header":
            return _(
                "The first line must name the columns; missing: %(missing)s. Found: "
                "%(found)s. Optional columns: %(optional)s.",
                missing=facts["missing"],
                found=facts["found"] or _("nothing"),
                optional=facts["optional"],
            )
        case "too-large":
            return _("The file is larger than %(size)s MB.", size=facts["size"])
        case "binary":
            return _("The file is not a CSV file (it holds binary data).")
        case "not-csv":
            return _("The file cannot be read as CSV: %(problem)s.", problem=facts["problem"])
        case "empty":
            return _("The file is empty.")
        case "too-many-rows":
            return _(
                "The file has %(rows)s rows; at most %(limit)s can be imported at once. "
                "Split it into several files.",
                rows=format_decimal(facts["rows"]),
                limit=format_decimal(facts["limit"]),
            )
        case "no-participants":
            return _("The file has a header line but no participants.")
        case "name-empty":
            return _("the name is empty")
        case "name-formula":
            return _(
                "a name cannot start with = + - or @ (a spreadsheet would read it as a formula)"
            )
        case "name-too-long":
            return _("the name is longer than %(count)s characters", count=NAME_MAX)
        case "name-invisible":
            return _(
                "the name holds invisible control characters (such as a text-direction override)"
            )
        case "email-invalid":
            return _("%(email)r is not a valid e-mail address", email=facts["email"])
        case "email-repeated":
            return _(
                "%(email)s is already on line %(line)s", email=facts["email"], line=facts["line"]
            )
        case "country-invalid":
            return _(
                "%(country)r is not a two-letter country code (ISO 3166)",
                country=facts["country"],
            )
        case "language-invalid":
            return _(
                "language %(language)r: use one of %(languages)s",
                language=facts["language"],
                languages=facts["languages"],
            )
        case "institution-too-long":
            return _("the institution is longer than 200 characters")
        case "institution-formula":
            return _("the institution cannot start with = + - or @")
        case "position-too-long":
            return _("the position is longer than 200 characters")
        case "position-formula":
            return _("the position cannot start with = + - or @")
    raise ValueError(f"no sentence for the problem {problem.code!r}")


def describe(error: RowError) -> str:
    """Everything wrong with one row (or the file), as one sentence."""
    return "; ".join(_sentence(problem) for problem in error.problems)
