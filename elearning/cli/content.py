"""`elearning content`: check the course content, and render its PDFs ahead of time."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext


def require_valid_content(app: Flask):
    """The app's catalog; broken content stops the command with every error, path:line."""
    from elearning.catalog import load_app_catalog
    from elearning.content import ContentInvalid

    try:
        return load_app_catalog(app)
    except ContentInvalid as exc:
        raise click.ClickException(str(exc)) from None


@click.group("content")
def content_group() -> None:
    """Check and prepare the course content."""


@content_group.command("check")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--content-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Check this content root instead of the configured one.",
)
@click.option(
    "--local-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Check this local layer folder too (default: ELEARNING_LOCAL_DIR, if set).",
)
@with_appcontext
def content_check(as_json: bool, content_dir: Path | None, local_dir: Path | None) -> None:
    """Validate courses/ without starting the platform; exit status 1 on any error."""
    import json
    import time

    from elearning.content import ContentInvalid, catalog_summary, load_catalog

    root = content_dir or Path(current_app.config["CONTENT_DIR"])
    configured = current_app.config.get("LOCAL_DIR")
    local = local_dir or (Path(configured) if configured else None)
    started = time.perf_counter()
    try:
        catalog = load_catalog(root, local)
    except ContentInvalid as exc:
        if as_json:
            errors = [{"path": e.path, "line": e.line, "message": e.message} for e in exc.errors]
            click.echo(json.dumps({"ok": False, "errors": errors}, indent=2, ensure_ascii=False))
        else:
            for error in exc.errors:
                click.echo(str(error), err=True)
            click.echo(f"{len(exc.errors)} error(s) in {root}", err=True)
        sys.exit(1)
    seconds = time.perf_counter() - started
    summary = catalog_summary(catalog)
    if as_json:
        click.echo(
            json.dumps(
                {"ok": True, "seconds": round(seconds, 3), "courses": summary},
                indent=2,
                ensure_ascii=False,
            )
        )
        return
    for course in summary:
        _print_course_summary(course)
    click.echo(f"Content is valid ({len(summary)} course(s), loaded in {seconds:.2f} s).")


def _print_course_summary(course: dict) -> None:
    click.echo(f"{course['slug']}: {course['title']}")
    click.echo(
        f"  version {course['content_version']} · {len(course['modules'])} modules · "
        f"{course['lessons']} lessons · {course['minutes']} minutes · "
        f"{course['knowledge_checks']} knowledge checks · "
        f"languages {', '.join(course['languages'])}"
    )
    for module in course["modules"]:
        checks = sum(lesson["knowledge_checks"] for lesson in module["lessons"])
        click.echo(
            f"  - {module['slug']}: {len(module['lessons'])} lessons, {module['minutes']} min, "
            f"{checks} checks"
        )
    bank = course["assessment"]
    if bank is None:
        click.echo("  assessments: none (no question bank in quizzes/)")
    else:
        forms = ", ".join(
            f"{kind} a parallel form ({_form_questions(form['questions'])})"
            if form["parallel"]
            else f"{kind} {form['entries']} entries ({_form_questions(form['questions'])})"
            for kind, form in bank["forms"].items()
        )
        click.echo(
            f"  question bank: {bank['entries']} entries, {bank['questions']} questions "
            f"({bank['scenario_entries']} scenarios, {bank['scenario_share']:.0%} of entries)"
            f" · forms: {forms or 'none'}"
        )
        for tag, counts in bank["by_tag"].items():
            click.echo(
                f"    {tag}: {counts['entries']} entries, {counts['questions']} questions"
                f" ({bank['questions_by_tag'].get(tag, 0)} questions tagged {tag} in all)"
            )
        if bank["points_unassessed"]:
            click.echo(f"    points no question assesses: {', '.join(bank['points_unassessed'])}")
        for name, form in bank["parallel_forms"].items():
            click.echo(
                f"  parallel form {name}: {form['entries']} entries, {form['questions']} "
                f"questions, {len(form['points'])} points, {form['true_false']} true/false, "
                f"difficulty {', '.join(f'{k} {v}' for k, v in form['difficulty'].items())}"
            )
        _print_cues(bank["cues"])
    _print_local(course["local"])
    _print_translations(course["translations"])
    click.echo("  coverage:" if course["tags"] else "  coverage: no tags.yaml, nothing to report")
    for tag in course["tags"]:
        if tag["points"]:
            covered = len(tag["points_covered"])
            line = f"{covered}/{tag['points']} points"
            if tag["points_missing"]:
                line += f" (not yet: {', '.join(tag['points_missing'])})"
        else:
            line = "covered" if tag["covered"] else "not covered"
        click.echo(f"    {tag['label']}: {line}")


def _print_translations(report: dict) -> None:
    """Per language: what is translated, and what in it does not hold together."""
    for language, done in report.items():
        click.echo(
            f"  {language}: course title {'yes' if done['course'] else 'no'}, lessons "
            f"{done['lessons']}/{done['lessons_in_all']}, module texts "
            f"{done['modules']}/{done['modules_in_all']}, trainers' manual "
            f"{done['manual_pages']}/{done['manual_pages_in_all']} pages, question bank "
            f"{done['bank_entries']}/{done['bank_entries_in_all']} entries, glossary "
            f"{done['glossary_terms']} terms"
        )
        for warning in done["warnings"]:
            click.echo(f"  warning: {warning}", err=True)


def _print_local(layer: dict | None) -> None:
    """An academy's local layer: its notes and which application points its provisions state."""
    if layer is None:
        return
    kind = "example local layer" if layer["example"] else "local layer"
    click.echo(
        f"  {kind} {layer['name']!r} ({layer['language']}): {layer['notes']} notes on "
        f"{layer['lessons']} lessons, {layer['provisions']} provisions for "
        f"{len(layer['points'])} application points"
    )
    if layer["points_without_provision"]:
        click.echo(
            f"    points no provision states: {', '.join(layer['points_without_provision'])}"
        )


def _print_cues(audit: dict) -> None:
    """The cue audit: per bank, form and the knowledge checks, what each test-wise strategy
    scores against guessing; warnings beyond the course's margin."""
    click.echo(f"  cue audit (a strategy may beat guessing by {audit['margin']} points at most):")
    for name, report in audit["reports"].items():
        scores = report["strategies"]
        best = max((s for s in scores if s != "random"), key=lambda s: scores[s])
        click.echo(
            f"    {name}: {report['questions']} questions; key longest in {report['key_longest']}"
            f" of {report['single_choice']} (chance {report['key_longest_expected']:.1f}), "
            f"shortest in {report['key_shortest']}; true/false {report['true_false_keyed_true']}"
            f" true of {report['true_false']}; guessing {scores['random']:.0f} %, best "
            f"strategy {best} {scores[best]:.0f} %"
        )
    for warning in audit["warnings"]:
        click.echo(f"  warning: {warning}", err=True)


def _form_questions(length: dict) -> str:
    """A form's length in questions: "about 25 questions, 21–30", or "12 questions" if fixed."""
    if length["min"] == length["max"]:
        return f"{length['min']} questions"
    return f"about {length['mean']:.0f} questions, {length['min']}–{length['max']}"


@content_group.command("pdf")
@click.option("--course", "course_slugs", multiple=True, help="Only this course (repeatable).")
@click.option("--language", "languages", multiple=True, help="Only this language (repeatable).")
@with_appcontext
def content_pdf(course_slugs: tuple[str, ...], languages: tuple[str, ...]) -> None:
    """Render the self-directed PDFs ahead of time, so no judge waits for the first one."""
    from elearning.learning.documents import build_course_pdf

    catalog = require_valid_content(current_app._get_current_object())
    courses = [c for c in catalog.courses if not course_slugs or c.slug in course_slugs]
    if course_slugs and len(courses) != len(set(course_slugs)):
        raise click.ClickException(f"no such course among: {', '.join(course_slugs)}")
    jobs = [
        (c, lang) for c in courses for lang in c.languages if not languages or lang in languages
    ]
    with (
        current_app.test_request_context(),
        click.progressbar(
            jobs, label="Rendering PDFs", item_show_func=lambda j: j and f"{j[0].slug} ({j[1]})"
        ) as bar,
    ):
        made = []
        for course, language in bar:
            path, rendered = build_course_pdf(course, language)
            made.append((path, rendered))
    for path, rendered in made:
        click.echo(f"{'rendered' if rendered else 'up to date'}: {path}")
