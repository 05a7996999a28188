"""The report's item analysis as a trainer reads it: filtered (flagged only, by topic, by
parallel form), sorted and a page at a time, from query arguments whose bad values are ignored.
No database, no Flask: the items come from the kept totals (``cohorts.report``)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace

from elearning.cohorts import logic
from elearning.cohorts.report import ItemResult

ITEM_SORTS = ("question", "topic", "answers", "facility", "discrimination")
ITEMS_PER_PAGE = 25
LAST_PAGE = 1_000_000


@dataclass(frozen=True)
class ItemQuery:
    """What the trainer asked of the item analysis; the defaults show every question in the
    bank's order, a page at a time."""

    sort: str = "question"
    descending: bool = False
    flagged_only: bool = False
    topic: str | None = None
    form: str | None = None
    page: int = 1

    def args(self, **changes) -> dict[str, str | int]:
        """The query arguments of this listing with ``changes``: links and forms keep the
        other choices (a new sort or filter goes back to the first page)."""
        query = replace(self, **{"page": 1, **changes})
        args: dict[str, str | int] = {"sort": query.sort}
        if query.descending:
            args["order"] = "desc"
        if query.flagged_only:
            args["flagged"] = "1"
        if query.topic:
            args["topic"] = query.topic
        if query.form:
            args["form"] = query.form
        if query.page > 1:
            args["page"] = query.page
        return args

    @property
    def is_filtered(self) -> bool:
        return self.flagged_only or self.topic is not None or self.form is not None


def item_query(
    args: Mapping[str, str], topics: Collection[str], forms: Collection[str]
) -> ItemQuery:
    """The listing the query arguments ask for; an unknown sort, topic or form, or a page that
    is not a number, is ignored (the default is used)."""
    sort = args.get("sort", "question")
    page = args.get("page", "1")
    return ItemQuery(
        sort=sort if sort in ITEM_SORTS else "question",
        descending=args.get("order") == "desc",
        flagged_only=args.get("flagged") == "1",
        topic=args.get("topic") if args.get("topic") in topics else None,
        form=args.get("form") if args.get("form") in forms else None,
        page=min(max(int(page), 1), LAST_PAGE) if page.isdigit() else 1,
    )


@dataclass(frozen=True)
class ItemsPage:
    """A page of the item analysis and how many questions match the filter."""

    rows: list[ItemResult]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def has_enough_answers(item: ItemResult) -> bool:
    """Whether enough judges answered the question for its statistics to be read."""
    return item.answers >= logic.MIN_ANSWERS_FOR_FLAGS


def _sort_value(item: ItemResult, sort: str, topic_order: Mapping[str, int]) -> float | None:
    """What the listing sorts by; None for a statistic of a question with too few answers
    (it has none to sort by)."""
    if sort == "answers":
        return item.answers
    if sort == "topic":
        return min((topic_order.get(tag, len(topic_order)) for tag in item.tags), default=0)
    if not has_enough_answers(item):
        return None
    return item.facility if sort == "facility" else item.discrimination


def list_items(
    items: Sequence[ItemResult],
    query: ItemQuery,
    *,
    flagged: Collection[str],
    forms: Mapping[str, Collection[str]],
    topic_order: Mapping[str, int],
    per_page: int = ITEMS_PER_PAGE,
) -> ItemsPage:
    """The page of ``items`` (in the bank's order) that ``query`` asks for; ``flagged`` holds
    the ids of the questions flagged, ``forms`` the bank entries of each parallel form. A page
    past the end shows the last one."""
    rows = [
        item
        for item in items
        if (not query.flagged_only or item.question_id in flagged)
        and (query.topic is None or query.topic in item.tags)
        and (query.form is None or item.entry_id in forms.get(query.form, ()))
    ]
    if query.sort == "question":
        rows = rows[::-1] if query.descending else rows
    else:
        values = {item.question_id: _sort_value(item, query.sort, topic_order) for item in rows}
        present = [item for item in rows if values[item.question_id] is not None]
        # Stable in both directions (the bank's order within ties); no statistic: last.
        present.sort(key=lambda item: values[item.question_id], reverse=query.descending)
        rows = present + [item for item in rows if values[item.question_id] is None]
    total = len(rows)
    page = min(query.page, max(1, -(-total // per_page)))
    return ItemsPage(rows[(page - 1) * per_page : page * per_page], total, page, per_page)
