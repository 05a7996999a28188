"""Pure rules: percentages, where to continue, sequential locks."""

from datetime import UTC, datetime, timedelta

from elearning.content import load_catalog
from elearning.learning import logic
from tests.helpers import FIXTURE_CONTENT

CATALOG = load_catalog(FIXTURE_CONTENT)
SAMPLE = CATALOG.course("sample")
STEPS = CATALOG.course("steps")
T0 = datetime(2026, 11, 1, tzinfo=UTC)


def test_percent_rounds_down_so_100_means_all_done():
    assert logic.percent(0, 3) == 0
    assert logic.percent(2, 3) == 66
    assert logic.percent(3, 3) == 100
    assert logic.percent(0, 0) == 0


def test_course_progress_adds_up_the_modules():
    progress = logic.course_progress(SAMPLE, {"basics": 1})
    assert (progress.done, progress.total, progress.percent) == (1, 3, 33)
    assert progress.of(SAMPLE.module("basics")).percent == 50
    assert progress.of(SAMPLE.module("practice")).percent == 0
    assert logic.course_progress(SAMPLE, {"basics": 2, "practice": 1}).is_complete


def test_continue_starts_at_the_first_lesson_then_follows_the_last_one_finished():
    assert logic.continue_lesson(SAMPLE, {}).slug == "first-lesson"
    assert logic.continue_lesson(SAMPLE, {"first-lesson": T0}).slug == "second-lesson"
    # Finished the last lesson first: continue with the first one not finished.
    assert logic.continue_lesson(SAMPLE, {"online-life": T0}).slug == "first-lesson"
    done = {"first-lesson": T0, "online-life": T0 + timedelta(minutes=5)}
    assert logic.continue_lesson(SAMPLE, done).slug == "second-lesson"
    everything = {lesson.slug: T0 for lesson in SAMPLE.lessons}
    assert logic.continue_lesson(SAMPLE, everything) is None


def test_sequential_courses_lock_a_lesson_until_the_earlier_ones_are_done():
    one, two = STEPS.lessons
    assert logic.lesson_lock(STEPS, one, []) is None
    assert logic.lesson_lock(STEPS, two, []) is one
    assert logic.lesson_lock(STEPS, two, ["step-one"]) is None
    assert logic.lesson_lock(SAMPLE, SAMPLE.lessons[2], []) is None  # free order


def test_neighbours_cross_module_boundaries():
    first, second, third = SAMPLE.lessons
    assert logic.neighbours(SAMPLE, first) == (None, second)
    assert logic.neighbours(SAMPLE, second) == (first, third)
    assert logic.neighbours(SAMPLE, third) == (second, None)


def test_a_check_answer_is_right_only_with_exactly_the_right_options():
    many = SAMPLE.lesson("basics", "second-lesson").checks[0]
    assert logic.answer_is_correct(many, frozenset({"a", "b"}))
    assert not logic.answer_is_correct(many, frozenset({"a"}))
    assert not logic.answer_is_correct(many, frozenset({"a", "b", "c"}))
