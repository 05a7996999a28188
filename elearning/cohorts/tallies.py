"""The cohort report's running totals, kept up to date as judges work, so that reading a report
costs the same for thirty judges and for twenty thousand.

A cohort's totals (``CohortTally``) are sums over its judges: how many started, sat, passed;
the sums of entry and final scores, gains and paired differences; the judges in each score
band; for each question its marks on the scored attempts and the sums the item analysis
needs; for each parallel form the sums its reliability needs; and how many gave each answer.
Each judge's share of them follows from a few facts about their enrolment (``JudgeFacts``):
lessons done, attempts, the scores and which attempts give them.

When an enrolment joins or leaves a cohort, its facts are worked out again and its cohorts'
totals move by the difference between its new share and its old one, in the same transaction.
When it changes (``learning.services.enrolment_changed``: a lesson marked, an attempt begun or
scored), the request only marks its own facts row as changed (:func:`mark_changed`); a job
(``cohorts.tasks.keep_totals``) moves the totals once the request has committed. A room of
judges submitting at once then waits for their own rows, not for each other on the cohort's
totals; the report follows a moment later. A job lost to an outage is queued again by the
sweeper, which finds the rows still marked. The enrolment's facts row is locked first and the
cohorts' state rows next, so two moves for one judge, or a move and a rebuild, take turns
(PostgreSQL; SQLite has one writer at a time anyway).

A cohort is rebuilt from the judges' raw records (the report's own SQL, :func:`recount`) when it
has no totals yet or they were built for another content version (the number of lessons may
have changed); ``elearning cohorts rebuild-totals`` rebuilds every cohort at once. The test
suite checks on random work that the kept totals equal a recount.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import astuple, dataclass
from datetime import datetime

from sqlalchemy import and_, delete, exists, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from elearning.assessments.models import Attempt, Response
from elearning.catalog import get_catalog
from elearning.cohorts import logic
from elearning.cohorts.facts import member_ids
from elearning.cohorts.models import (
    Cohort,
    CohortMember,
    CohortTally,
    CohortTallyState,
    JudgeFacts,
)
from elearning.content.model import Course
from elearning.learning.models import Enrolment, LessonCompletion
from elearning.sqltypes import utcnow

Totals = Mapping[str, float]

SUMMARY = (
    "enrolled", "started", "lessons_done", "sat", "passed",
    "pre_n", "pre_sum", "post_n", "post_sum", "gain_n", "gain_sum", "gain_sq",
    "pair_n", "pair_pre", "pair_post", "pair_d", "pair_d2",
)  # fmt: skip
QUESTION_SUMS = ("scored_x", "scored_n", "n", "x", "xx", "r", "rr", "xr")


SUMS = ("n", "s", "s2")  # a count, a sum and a sum of squares


def form_total(form: str, kind: str, what: str) -> str:
    return f"form|{form}|{kind}|{what}"


def form_question_total(form: str, kind: str, question_id: str, what: str) -> str:
    return f"formq|{form}|{kind}|{question_id}|{what}"


def answer_total(question_id: str, selected: str, what: str) -> str:
    return f"answer|{question_id}|{selected}|{what}"


def band(kind: str, low: int) -> str:
    return f"band|{kind}|{low}"


def question_total(kind: str, question_id: str, what: str) -> str:
    return f"q|{kind}|{question_id}|{what}"


def band_of(score: float) -> int:
    """The score band (0, 10, …, 90) a score falls in; 100 is in the top one."""
    return max(low for low in logic.BANDS if score >= low)


# --- one judge's facts and their share of the totals ---------------------------------------------


@dataclass(frozen=True)
class Facts:
    """What the report reads from one enrolment (definitions in ``cohorts.facts``)."""

    lessons_done: int = 0
    attempts: int = 0
    sat: int = 0
    passes: int = 0
    pre_score: float | None = None
    post_score: float | None = None
    pre_one_id: int | None = None
    post_one_id: int | None = None
    best_post_id: int | None = None

    @property
    def scored_attempts(self) -> frozenset[int]:
        """The attempts whose responses the topics and the item analysis read."""
        ids = (self.pre_one_id, self.post_one_id, self.best_post_id)
        return frozenset(i for i in ids if i is not None)

    @classmethod
    def of(cls, row: JudgeFacts) -> Facts:
        return cls(**{name: getattr(row, name) for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class _AttemptRow:
    id: int
    kind: str
    number: int
    score: float | None
    is_passed: bool | None
    submitted_at: datetime | None = None


@dataclass(frozen=True)
class _Record:
    """One enrolment's raw record: lessons done and attempts."""

    lessons_done: int = 0
    attempts: tuple[_AttemptRow, ...] = ()

    def facts(self, since: datetime | None = None) -> Facts:
        return facts_from(self.lessons_done, self.attempts, since)


def facts_from(
    lessons_done: int, attempts: Iterable[_AttemptRow], since: datetime | None = None
) -> Facts:
    """The facts of one enrolment from its lesson count and its attempts. With ``since`` (a
    cohort that leaves out what its judges earned before joining), the scores come only from
    attempts not submitted before then; the counts (sat, passed) from every attempt."""
    attempts = list(attempts)
    counted = [a for a in attempts if since is None or not _before(a.submitted_at, since)]
    scored = [a for a in counted if a.score is not None]
    pre = sorted((a for a in scored if a.kind == "pre"), key=lambda a: a.number)
    post = [a for a in scored if a.kind == "post"]
    best = min(post, key=lambda a: (-a.score, a.number), default=None)  # type: ignore[operator]
    return Facts(
        lessons_done=lessons_done,
        attempts=len(attempts),
        sat=sum(1 for a in attempts if a.kind == "post" and a.score is not None),
        passes=sum(1 for a in attempts if a.is_passed),
        pre_score=pre[0].score if pre else None,
        post_score=best.score if best else None,
        pre_one_id=next((a.id for a in pre if a.number == 1), None),
        post_one_id=next((a.id for a in post if a.number == 1), None),
        best_post_id=best.id if best else None,
    )


def _before(moment: datetime | None, since: datetime) -> bool:
    return moment is not None and moment < since


def _records_of(session: Session, enrolment_ids, course: Course) -> dict[int, _Record]:
    """The records of the given enrolments (a list, or a subquery of them), in two queries."""
    lessons = dict(
        session.execute(
            select(LessonCompletion.enrolment_id, func.count())
            .where(
                LessonCompletion.enrolment_id.in_(enrolment_ids),
                LessonCompletion.lesson_slug.in_([lesson.slug for lesson in course.lessons]),
            )
            .group_by(LessonCompletion.enrolment_id)
        ).all()
    )
    attempts: dict[int, list[_AttemptRow]] = defaultdict(list)
    for enrolment_id, *row in session.execute(
        select(
            Attempt.enrolment_id,
            Attempt.id,
            Attempt.kind,
            Attempt.number,
            Attempt.score,
            Attempt.is_passed,
            Attempt.submitted_at,
        ).where(Attempt.enrolment_id.in_(enrolment_ids))
    ):
        attempts[enrolment_id].append(_AttemptRow(*row))
    return {
        enrolment_id: _Record(lessons.get(enrolment_id, 0), tuple(attempts.get(enrolment_id, ())))
        for enrolment_id in set(lessons) | set(attempts)
    }


def summary_share(facts: Facts, lesson_count: int) -> Counter[str]:
    """One judge's share of the cohort's counts, sums and score bands."""
    share: Counter[str] = Counter(enrolled=1)
    all_lessons = lesson_count > 0 and facts.lessons_done >= lesson_count
    if facts.passes or facts.lessons_done or facts.attempts:
        share["started"] = 1
    if facts.passes or all_lessons:
        share["lessons_done"] = 1
    if facts.sat:
        share["sat"] = 1
    if facts.passes:
        share["passed"] = 1
    pre, post = facts.pre_score, facts.post_score
    for kind, score in (("pre", pre), ("post", post)):
        if score is not None:
            share[f"{kind}_n"] = 1
            share[f"{kind}_sum"] = score
            share[band(kind, band_of(score))] = 1
    if pre is not None and post is not None:
        difference = post - pre
        share.update(pair_n=1, pair_pre=pre, pair_post=post, pair_d=difference)
        share["pair_d2"] = difference * difference
        if pre < 100:
            gain = difference / (100.0 - pre)
            share.update(gain_n=1, gain_sum=gain, gain_sq=gain * gain)
    return share


def _question_shares(session: Session, facts: Iterable[Facts]) -> list[Counter[str]]:
    """Each judge's share of the per-question sums, of the parallel forms' sums and of the
    answers given (from the responses of their scored and first attempts)."""
    facts = list(facts)
    wanted = frozenset().union(*(f.scored_attempts for f in facts))
    attempts: dict[int, tuple[str, str | None, float, float]] = {}
    responses: dict[int, list[tuple[str, float | None, str | None]]] = defaultdict(list)
    if wanted:
        for attempt_id, kind, form, earned, score, question_id, credit, selected in session.execute(
            select(
                Attempt.id,
                Attempt.kind,
                Attempt.form,
                Attempt.marks_earned,
                Attempt.score,
                Response.question_id,
                Response.credit,
                Response.selected,
            )  # fmt: skip
            .join(Response, Response.attempt_id == Attempt.id)
            .where(Attempt.id.in_(sorted(wanted)))
        ):
            attempts[attempt_id] = (kind, form, float(earned or 0), float(score or 0))
            responses[attempt_id].append(
                (question_id, None if credit is None else float(credit), selected)
            )
    shares = []
    for f in facts:
        share: Counter[str] = Counter()
        for attempt_id in f.scored_attempts:
            if attempt_id not in attempts:
                continue
            kind, form, earned, score = attempts[attempt_id]
            scored = attempt_id in (f.pre_one_id, f.best_post_id)
            first = attempt_id in (f.pre_one_id, f.post_one_id)
            if first and form is not None:
                _add_sums(share, form_total(form, kind, "{}"), earned)
            for question_id, x, selected in responses[attempt_id]:
                if first and form is not None:
                    _add_sums(share, form_question_total(form, kind, question_id, "{}"), x or 0.0)
                if first and selected is not None:
                    share[answer_total(question_id, selected, "n")] += 1
                    share[answer_total(question_id, selected, "s")] += score
                if x is None:
                    continue
                if scored:
                    share[question_total(kind, question_id, "scored_x")] += x
                    share[question_total(kind, question_id, "scored_n")] += 1
                if first:
                    rest = earned - x
                    for what, value in zip(
                        QUESTION_SUMS[2:], (1, x, x * x, rest, rest * rest, x * rest), strict=True
                    ):
                        share[question_total(kind, question_id, what)] += value
        shares.append(share)
    return shares


def _add_sums(share: Counter[str], name: str, value: float) -> None:
    """Count ``value`` into the count, sum and sum of squares named ``name`` (with a ``{}``)."""
    for what, part in zip(SUMS, (1, value, value * value), strict=True):
        share[name.format(what)] += part


def _difference(new: Counter[str], old: Counter[str]) -> dict[str, float]:
    keys = set(new) | set(old)
    return {key: new[key] - old[key] for key in keys if new[key] != old[key]}


# --- keeping the totals ---------------------------------------------------------------------------


def mark_changed(session: Session, enrolment_id: int) -> bool:
    """What an enrolment has done changed: mark its facts row for :func:`catch_up`. False when
    it is in no cohort whose totals are kept (nothing to follow)."""
    marked = session.execute(
        update(JudgeFacts)
        .where(JudgeFacts.enrolment_id == enrolment_id)
        .values(changed_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if marked.rowcount:
        return True
    # A member whose cohorts' totals were built without its facts: the job has them rebuilt.
    return session.scalar(select(exists().where(CohortMember.enrolment_id == enrolment_id)))


def catch_up(session: Session, enrolment_id: int) -> None:
    """Move the enrolment's cohorts' totals by what changed since they last followed it, and
    clear its mark. Idempotent: run again, it finds nothing to move.

    The mark is cleared first: that write locks the facts row (PostgreSQL) or the database
    (SQLite, whose transactions otherwise start by reading), so that two jobs for the same
    enrolment (one is queued per change) take turns. Without it, two SQLite workers both read
    the old facts and both move the totals by the same difference."""
    session.execute(
        update(JudgeFacts)
        .where(JudgeFacts.enrolment_id == enrolment_id)
        .values(changed_at=None)
        .execution_options(synchronize_session=False)
    )
    cohorts = _cohorts_of(session, enrolment_id)
    if cohorts:
        _move(session, enrolment_id, before=cohorts, after=cohorts)


def changed_before(session: Session, moment) -> list[int]:
    """The enrolments marked as changed before ``moment`` whose totals have not followed."""
    return list(
        session.scalars(
            select(JudgeFacts.enrolment_id)
            .where(JudgeFacts.changed_at <= moment)
            .order_by(JudgeFacts.enrolment_id)
        )
    )


def joined(session: Session, cohort_id: int, enrolment_id: int) -> None:
    """The enrolment has just joined the cohort (its membership is written): add its share."""
    after = _cohorts_of(session, enrolment_id)
    _move(session, enrolment_id, before=after - {cohort_id}, after=after)


def left(session: Session, cohort_id: int, enrolment_id: int) -> None:
    """The enrolment has just left the cohort (its membership is deleted): take its share off."""
    after = _cohorts_of(session, enrolment_id)
    _move(session, enrolment_id, before=after | {cohort_id}, after=after)


def set_aside(session: Session, enrolment_id: int) -> frozenset[int]:
    """Take the enrolment's share out of its cohorts' totals, worked out from its records as
    they are now: before a scored attempt's responses are rewritten in place (a paper sheet
    corrected), which a later move could not tell from the old ones. Returns the cohorts to
    hand to :func:`put_back` once the records are rewritten, in the same transaction."""
    cohorts = _cohorts_of(session, enrolment_id)
    if cohorts:
        _move(session, enrolment_id, before=cohorts, after=frozenset())
    return cohorts


def put_back(session: Session, enrolment_id: int, cohorts: frozenset[int]) -> None:
    """Add the enrolment's share, from its records as they are now, back into the totals of
    the cohorts :func:`set_aside` took it out of: they move by the difference."""
    if cohorts:
        _move(session, enrolment_id, before=frozenset(), after=cohorts)


def _cohorts_of(session: Session, enrolment_id: int) -> frozenset[int]:
    session.flush()
    return frozenset(
        session.scalars(
            select(CohortMember.cohort_id).where(CohortMember.enrolment_id == enrolment_id)
        )
    )


def _move(
    session: Session, enrolment_id: int, *, before: frozenset[int], after: frozenset[int]
) -> None:
    """Bring the enrolment's stored facts up to date, and move the totals of the cohorts that
    held its old share (``before``) and should hold its new one (``after``)."""
    slug = session.scalar(select(Enrolment.course_slug).where(Enrolment.id == enrolment_id))
    course = get_catalog().course(slug) if slug else None
    if course is None:
        return
    stored = session.scalar(
        select(JudgeFacts)
        .where(JudgeFacts.enrolment_id == enrolment_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    record = _records_of(session, [enrolment_id], course).get(enrolment_id, _Record())
    new = record.facts()
    old = Facts.of(stored) if stored is not None else None
    if old is None and before:
        # Its cohorts' totals were built without stored facts: rebuild them when next read.
        forget(session, before)
        before = frozenset()
    if not after:
        if stored is not None:
            session.delete(stored)
    elif stored is None:
        session.add(JudgeFacts(enrolment_id=enrolment_id, **_columns(new)))
    else:
        for name, value in _columns(new).items():
            setattr(stored, name, value)
    # Each cohort's old and new view of the judge: their facts, or — in a cohort that leaves
    # out what they earned before joining — the facts as it counts them (kept on the member).
    views: dict[int, tuple[Facts | None, Facts | None]] = {}
    own = _own_members(session, enrolment_id, before | after)
    for cohort in sorted(before | after):
        if cohort not in own:
            views[cohort] = (old if cohort in before else None, new if cohort in after else None)
            continue
        member = own[cohort]
        earlier = Facts(**member.own_facts) if member and member.own_facts is not None else None
        if cohort in before and earlier is None:  # not kept: count the cohort again
            forget(session, [cohort])
            continue
        now = record.facts(since=member.joined_at) if member and cohort in after else None
        if member is not None:
            member.own_facts = _columns(now) if now is not None else None
        views[cohort] = (earlier if cohort in before else None, now)
    lessons = len(course.lessons)
    shares = _shares(session, {f for pair in views.values() for f in pair if f}, lessons, views)
    moves = {
        cohort: _difference(shares.get(now, Counter()), shares.get(then, Counter()))
        for cohort, (then, now) in views.items()
    }
    moves = {cohort: move for cohort, move in moves.items() if move}
    if not moves:
        session.flush()
        return
    current = set(
        session.scalars(
            select(CohortTallyState.cohort_id)
            .where(
                CohortTallyState.cohort_id.in_(sorted(moves)),
                CohortTallyState.content_version == course.content_version,
            )
            .order_by(CohortTallyState.cohort_id)
            .with_for_update()
        )
    )
    for cohort_id in sorted(current):  # the others are rebuilt when next read
        _add(session, cohort_id, moves[cohort_id])
    session.flush()


def _own_members(
    session: Session, enrolment_id: int, cohorts: frozenset[int]
) -> dict[int, CohortMember | None]:
    """Of ``cohorts``, those that leave out scores earned before joining, with the judge's
    membership of each (None: no longer a member): one query."""
    rows = session.execute(
        select(Cohort.id, CohortMember)
        .outerjoin(
            CohortMember,
            and_(CohortMember.cohort_id == Cohort.id, CohortMember.enrolment_id == enrolment_id),
        )
        .where(Cohort.id.in_(sorted(cohorts)), ~Cohort.counts_earlier_scores)
    )
    return {cohort_id: member for cohort_id, member in rows}


def _shares(
    session: Session,
    facts: set[Facts],
    lessons: int,
    views: Mapping[int, tuple[Facts | None, Facts | None]],
) -> dict[Facts, Counter[str]]:
    """Each of these facts' share of a cohort's totals. Responses are read only when the share
    of questions can move: a cohort gains or loses the judge, or another attempt is now scored
    (a lesson marked moves the counts alone)."""
    shares = {f: summary_share(f, lessons) for f in facts}
    if any(
        then is None or now is None or then.scored_attempts != now.scored_attempts
        for then, now in views.values()
    ):
        ordered = list(facts)
        for f, questions in zip(ordered, _question_shares(session, ordered), strict=True):
            shares[f].update(questions)
    return shares


def forget(session: Session, cohort_ids: Iterable[int]) -> None:
    """Drop these cohorts' totals: they are counted again when next read."""
    session.execute(delete(CohortTallyState).where(CohortTallyState.cohort_id.in_(cohort_ids)))


def _columns(facts: Facts) -> dict:
    return dict(zip(Facts.__dataclass_fields__, astuple(facts), strict=True))


def _upsert(session: Session, model=CohortTally):
    """An INSERT into ``model`` that can say ON CONFLICT, in the session's SQL dialect."""
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return module.insert(model)


def _add(session: Session, cohort_id: int, move: Mapping[str, float]) -> None:
    """Add to the cohort's totals (a total not there yet starts at zero)."""
    if not move:
        return
    session.flush()
    insert = _upsert(session)
    session.execute(
        insert.on_conflict_do_update(
            index_elements=[CohortTally.cohort_id, CohortTally.name],
            set_={"value": CohortTally.value + insert.excluded.value},
        ),
        [{"cohort_id": cohort_id, "name": k, "value": v} for k, v in sorted(move.items())],
    )


# --- reading, recounting and rebuilding -----------------------------------------------------------


def read(
    session: Session, cohort_id: int, course: Course, *, questions: bool = True
) -> dict[str, float]:
    """The cohort's totals (without the per-question ones unless ``questions``): two small
    queries, after a rebuild if the totals are missing or were built for other content."""
    version = session.scalar(
        select(CohortTallyState.content_version).where(CohortTallyState.cohort_id == cohort_id)
    )
    if version != course.content_version:
        totals = rebuild(session, cohort_id, course)
    else:
        query = select(CohortTally.name, CohortTally.value).where(
            CohortTally.cohort_id == cohort_id
        )
        if not questions:
            query = query.where(~CohortTally.name.startswith("q|", autoescape=True))
        totals = dict(session.execute(query).all())
    if not questions:
        return {name: value for name, value in totals.items() if not name.startswith("q|")}
    return totals


def read_summaries(
    session: Session, cohort_ids: Iterable[int], course: Course
) -> dict[int, dict[str, float]]:
    """The counts and sums (``SUMMARY``) of several cohorts of ``course``: two queries, after
    rebuilding any whose totals are missing or were built for other content."""
    cohort_ids = sorted(set(cohort_ids))
    current = set(
        session.scalars(
            select(CohortTallyState.cohort_id).where(
                CohortTallyState.cohort_id.in_(cohort_ids),
                CohortTallyState.content_version == course.content_version,
            )
        )
    )
    summaries: dict[int, dict[str, float]] = {cohort_id: {} for cohort_id in cohort_ids}
    for cohort_id in cohort_ids:
        if cohort_id not in current:
            totals = rebuild(session, cohort_id, course)
            summaries[cohort_id] = {name: totals[name] for name in SUMMARY if name in totals}
    for cohort_id, name, value in session.execute(
        select(CohortTally.cohort_id, CohortTally.name, CohortTally.value).where(
            CohortTally.cohort_id.in_(sorted(current)), CohortTally.name.in_(SUMMARY)
        )
    ):
        summaries[cohort_id][name] = value
    return summaries


def start(session: Session, cohort_id: int, course: Course) -> None:
    """A new cohort's totals: all zero, kept from its first judge on."""
    session.add(CohortTallyState(cohort_id=cohort_id, content_version=course.content_version))


def recount(session: Session, cohort_id: int, course: Course) -> dict[str, float]:
    """The cohort's totals counted again from the judges' raw records, by the report's SQL
    (``cohorts.report``): what the kept totals must always equal."""
    from elearning.cohorts.quality import option_sums, reliability_sums
    from elearning.cohorts.report import question_sums, summary_sums

    totals = summary_sums(session, cohort_id, course)
    totals.update(question_sums(session, cohort_id, course))
    totals.update(reliability_sums(session, cohort_id))
    totals.update(option_sums(session, cohort_id))
    return {key: value for key, value in totals.items() if value}


def _keep_own_facts(session: Session, cohort_id: int, records: Mapping[int, _Record]) -> None:
    """In a cohort that leaves out scores earned before joining, keep each member's facts as
    the cohort counts them; in any other, keep none."""
    counts_earlier = session.scalar(
        select(Cohort.counts_earlier_scores).where(Cohort.id == cohort_id)
    )
    if counts_earlier:
        session.execute(
            update(CohortMember)
            .where(CohortMember.cohort_id == cohort_id, CohortMember.own_facts.is_not(None))
            .values(own_facts=None)
            .execution_options(synchronize_session=False)
        )
        return
    for member in session.scalars(select(CohortMember).where(CohortMember.cohort_id == cohort_id)):
        record = records.get(member.enrolment_id, _Record())
        member.own_facts = _columns(record.facts(member.joined_at))
    session.flush()


def rebuild(session: Session, cohort_id: int, course: Course) -> dict[str, float]:
    """Count the cohort's totals again and store them with its judges' facts; returns them."""
    records = _records_of(session, member_ids(cohort_id), course)
    members = session.scalars(member_ids(cohort_id)).all()
    rows = [
        {"enrolment_id": e, **_columns(records.get(e, _Record()).facts())}
        for e in sorted(set(members))
    ]
    if rows:
        insert = _upsert(session, JudgeFacts)
        session.execute(
            insert.on_conflict_do_update(
                index_elements=[JudgeFacts.enrolment_id],
                set_={name: insert.excluded[name] for name in Facts.__dataclass_fields__},
            ),
            rows,
        )
    session.execute(
        _upsert(session, CohortTallyState)
        .values(cohort_id=cohort_id, content_version="", built_at=utcnow())
        .on_conflict_do_nothing(index_elements=[CohortTallyState.cohort_id])
    )
    session.execute(
        select(CohortTallyState.cohort_id)
        .where(CohortTallyState.cohort_id == cohort_id)
        .with_for_update()
    )
    _keep_own_facts(session, cohort_id, records)
    totals = recount(session, cohort_id, course)
    session.execute(delete(CohortTally).where(CohortTally.cohort_id == cohort_id))
    _add(session, cohort_id, totals)
    session.execute(
        CohortTallyState.__table__.update()
        .where(CohortTallyState.cohort_id == cohort_id)
        .values(content_version=course.content_version, built_at=utcnow())
    )
    return totals
