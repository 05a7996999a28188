"""Forms of the assessment pages: start, answer a page, submit.

A page's answers arrive as ``q-<question id>`` fields whose values are the options' positions on
the page (1, 2, ...), never their keys: the keys follow the order the author wrote the options
in, and an author who always writes the right one first would otherwise give it away.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import HiddenField
from wtforms.validators import Optional, Regexp

from elearning.content.itemtypes import Selection, item_type
from elearning.content.model import Item

FIELD_PREFIX = "q-"


class StartForm(FlaskForm):
    """Start (or resume) an assessment: only the CSRF token."""


class SubmitForm(FlaskForm):
    """Submit an attempt for scoring: only the CSRF token."""


class PageForm(FlaskForm):
    """One page of an attempt: its answers, and where to go after saving them."""

    go = HiddenField(validators=[Optional(), Regexp(r"^(stay|prev|next|review|\d{1,4})$")])


class BadAnswer(Exception):
    """An answer the page cannot accept; the message says what is wrong."""


def read_answers(
    formdata: MultiDict,
    questions: Sequence[Item],
    orders: Mapping[str, tuple[str, ...]],
) -> dict[str, Selection]:
    """The page's answers as option keys, by question id; BadAnswer on anything that is not
    one of the page's questions and options."""
    by_name = {FIELD_PREFIX + question.id: question for question in questions}
    answers: dict[str, Selection] = {question.id: frozenset() for question in questions}
    for name in formdata:
        if not name.startswith(FIELD_PREFIX):
            continue
        question = by_name.get(name)
        if question is None:
            raise BadAnswer(
                _l("An answer was for a question that is not on this page. Nothing was saved.")
            )
        order = orders[question.id]
        values = formdata.getlist(name)
        if len(values) > 1 and item_type(question).widget != "checkbox":
            raise BadAnswer(_l("Choose one answer per question. Nothing was saved."))
        # Exactly the positions the page offers: "1" to "n" ("²" is a digit int() refuses).
        positions = {str(number): key for number, key in enumerate(order, start=1)}
        keys = set()
        for value in values:
            if value not in positions:
                raise BadAnswer(_l("An answer is not one of the options shown. Nothing was saved."))
            keys.add(positions[value])
        answers[question.id] = frozenset(keys)
    return answers
