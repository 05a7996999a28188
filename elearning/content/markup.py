"""Lesson Markdown → sanitised HTML blocks, callouts and knowledge checks, with line numbers.

A lesson body is split into plain Markdown and ``:::`` blocks (callouts and knowledge checks)
before Markdown sees it, so every problem can be reported at the line where it is written.
Links to other lessons are resolved here, once, into the web address and the print anchor.
"""

from __future__ import annotations

import html
import posixpath
import re
import xml.etree.ElementTree as ET  # builds our Markdown's tree, parses no XML  # nosec B405
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import markdown
import nh3
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from elearning.content.htmlpolicy import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    CALLOUT_KINDS,
    CALLOUT_LABELS,
    MEDIA_LABELS,
    URL_SCHEMES,
)
from elearning.content.media import in_language
from elearning.content.model import CheckBlock, HtmlBlock, KnowledgeCheck, MediaFile, Option
from elearning.i18n import LANGUAGE_NAMES

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_OPEN = re.compile(r"^:::\s*([A-Za-z0-9_-]+)\s*(.*?)\s*$")
_CLOSE = re.compile(r"^:::\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_OPTION = re.compile(r"^[-*]\s+\[( |x|X)\]\s*(.*)$")
_LESSON_HREF = re.compile(r'href="lesson:([a-z0-9-]+)/([a-z0-9-]+)(?:#([^"]*))?"')
_HEADING_ID = re.compile(r'<(h[2-4]) id="([^"]+)"')
_KEY_LINE = re.compile(r"^([a-z]+):\s*(.*?)\s*$")
MEDIA_BLOCKS = ("figure", "media")


@dataclass(frozen=True)
class LessonAddress:
    """Where a lesson lives: its module and slug, for resolving links to it."""

    module_slug: str
    slug: str


@dataclass
class RenderContext:
    """What rendering one lesson file needs, and where it reports problems."""

    path: str  # the lesson file, relative to the content root (for messages and links)
    language: str
    lessons_by_path: Mapping[str, LessonAddress]
    report: Callable[[int, str], None]
    lines: list[str] = field(default_factory=list)
    media: Mapping[str, MediaFile] = field(default_factory=dict)  # the course's, for lessons


class _LinkResolver(Treeprocessor):
    """Turns links to lesson files into ``lesson:module/slug#fragment`` and reports bad ones."""

    def __init__(self, md: markdown.Markdown) -> None:
        super().__init__(md)
        self.context: RenderContext | None = None
        self.first_line = 1

    def run(self, root: ET.Element) -> None:
        context = self.context
        assert context is not None
        for element in root.iter():
            if element.tag == "img":
                context.report(
                    self._line_of(element.get("src", "")),
                    "images are not supported: describe the picture in words",
                )
            if element.tag != "a":
                continue
            href = element.get("href", "")
            if not href or href.startswith("#") or re.match(r"^(https?|mailto):", href):
                continue
            if ":" in href.split("/", 1)[0]:
                context.report(self._line_of(href), f"link {href!r}: only http(s) and mailto")
                continue
            target, _, fragment = href.partition("#")
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(context.path), target))
            address = context.lessons_by_path.get(resolved)
            if address is None:
                message = (
                    f"link {href!r} points to no lesson ({resolved} does not exist)"
                    if target.endswith(".md")
                    else f"link {href!r}: link to lesson files (.md) or to https:// addresses"
                )
                context.report(self._line_of(href), message)
                continue
            element.set(
                "href",
                f"lesson:{address.module_slug}/{address.slug}"
                + (f"#{fragment}" if fragment else ""),
            )

    def _line_of(self, needle: str) -> int:
        context = self.context
        assert context is not None
        for number, line in enumerate(context.lines, start=self.first_line):
            if needle and needle in line:
                return number
        return self.first_line


_SHALLOW_ITEM = re.compile(r"^ {1,3}(?:[-*+]|\d+[.)]) ")


class _LessonExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 - Markdown's API
        md.treeprocessors.register(_LinkResolver(md), "lesson_links", 5)


class LessonRenderer:
    """Renders lesson bodies; one instance is reused for a whole catalog load."""

    def __init__(self) -> None:
        self._md = markdown.Markdown(
            extensions=["tables", "sane_lists", "smarty", "toc", _LessonExtension()],
            extension_configs={"toc": {"permalink": False}},
            output_format="html",
        )
        self._links: _LinkResolver = self._md.treeprocessors["lesson_links"]

    def markdown(self, text: str, context: RenderContext, first_line: int) -> str:
        """Sanitised HTML for a run of Markdown that starts at ``first_line`` of the file."""
        self._md.reset()
        self._links.context = context
        self._links.first_line = first_line
        context.lines = text.split("\n")
        for number, line in _outside_code(context.lines, first_line):
            if line.startswith("# "):
                context.report(number, "use ## for sections: the lesson title is the page heading")
            elif _SHALLOW_ITEM.match(line):
                context.report(
                    number,
                    "a list inside a list item is indented by four spaces (with fewer it is "
                    "shown as plain text in the item)",
                )
        rendered = self._md.convert(text)
        return nh3.clean(
            rendered,
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            url_schemes=URL_SCHEMES,
            link_rel="noopener noreferrer",
        )

    def inline(self, text: str, context: RenderContext, first_line: int) -> str:
        """Markdown for one line of text, without the paragraph around it."""
        rendered = self.markdown(text, context, first_line)
        if rendered.startswith("<p>") and rendered.endswith("</p>") and rendered.count("<p>") == 1:
            return rendered[3:-4]
        return rendered

    def body(self, text: str, first_line: int, context: RenderContext, anchor: str):
        """The blocks of a lesson body: HTML runs, callouts and knowledge checks, in order."""
        blocks: list[HtmlBlock | CheckBlock] = []
        pending: list[str] = []  # web HTML waiting to become one block
        pending_print: list[str] = []

        def flush() -> None:
            if pending:
                blocks.append(HtmlBlock("".join(pending), "".join(pending_print)))
                pending.clear()
                pending_print.clear()

        for part in _split(text, first_line, context):
            if part.kind == "markdown":
                rendered = self.markdown(part.text, context, part.first_line)
                pending.append(rendered)
                pending_print.append(rendered)
            elif part.kind == "check":
                check = self._check(part, context)
                if check is not None:
                    flush()
                    blocks.append(CheckBlock(check))
            elif part.kind in MEDIA_BLOCKS:
                web, printed = self._media(part, context)
                pending.append(web)
                pending_print.append(printed)
            else:
                web, printed = self._callout(part, context)
                pending.append(web)
                pending_print.append(printed)
        flush()
        return tuple(_finish_links(block, anchor) for block in blocks)

    def _callout(self, part: _Part, context: RenderContext) -> tuple[str, str]:
        label = CALLOUT_LABELS[part.kind].get(context.language, CALLOUT_LABELS[part.kind]["en"])
        inner = self.markdown(part.text, context, part.first_line)
        if not inner.strip():
            context.report(part.line, f"the {part.kind} callout is empty")
        title = (
            f'<p class="callout__title">{html.escape(part.argument)}</p>' if part.argument else ""
        )
        head = (
            f'<aside class="callout callout--{part.kind}">'
            f'<p class="callout__label">{html.escape(label)}</p>{title}'
        )
        notes = (
            '<div class="notes-space" aria-hidden="true"></div>'
            if part.kind == "reflection"
            else ""
        )
        return f"{head}{inner}</aside>", f"{head}{inner}{notes}</aside>"

    def _media(self, part: _Part, context: RenderContext) -> tuple[str, str]:
        """A figure (an image with its text alternative and caption) or a video or recording
        (with captions and a transcript), folded until the judge asks for it: nothing of the
        file is loaded before. In print, the text alternative or the transcript."""
        language = context.language

        def label(key: str) -> str:
            return MEDIA_LABELS[key].get(language, MEDIA_LABELS[key]["en"])

        allowed = ("alt", "caption") if part.kind == "figure" else ("title", "captions")
        keys, rest, rest_line = _key_lines(part, allowed, context)
        wanted = ("image",) if part.kind == "figure" else ("video", "audio")
        file = in_language(context.media, part.argument, language) if part.argument else None
        if file is None or file.kind not in wanted:
            what = "an image" if part.kind == "figure" else "a video or a recording"
            context.report(
                part.line,
                f"::: {part.kind} {part.argument or '?'}: name {what} of the course's media/ "
                "folder (lessons only)",
            )
            return "", ""
        about = (
            f'<span class="media__about">({html.escape(file.path.suffix[1:].upper())}, '
            f"{html.escape(_size(file.size, label))})</span>"
        )
        if part.kind == "figure":
            alt = keys.get("alt", "")
            if not alt:
                context.report(part.line, f"::: figure {part.argument}: give its text (alt: ...)")
            if rest.strip():
                context.report(rest_line, "a figure takes only alt: and caption: lines")
            caption = (
                self.inline(keys["caption"], context, part.first_line) if "caption" in keys else ""
            )
            web = (
                '<figure class="media media--image"><details class="media__show">'
                f"<summary>{html.escape(label('image'))} {about}</summary>"
                f'<img src="{html.escape(file.address)}" alt="{html.escape(alt)}" '
                'loading="lazy" decoding="async"></details>'
                + (f"<figcaption>{caption}</figcaption>" if caption else "")
                + "</figure>"
            )
            printed = (
                f'<figure class="media"><p class="media__label"><strong>'
                f"{html.escape(label('figure'))}.</strong> {caption}</p>"
                f"<p>{html.escape(alt)}</p></figure>"
            )
            return web, printed
        title = keys.get("title", "")
        transcript = self.markdown(rest, context, rest_line) if rest.strip() else ""
        if not title:
            context.report(part.line, f"::: media {part.argument}: give it a title (title: ...)")
        if not transcript:
            context.report(part.line, f"::: media {part.argument}: write its transcript below")
        track = ""
        if file.kind == "video":
            captions = in_language(context.media, keys.get("captions", ""), language)
            if captions is None or captions.kind != "captions":
                context.report(
                    part.line,
                    f"::: media {part.argument}: a video needs captions (captions: a .vtt file "
                    "of media/)",
                )
                return "", ""
            own = captions.name != keys["captions"] or language == "en"
            srclang = language if own else "en"
            named = LANGUAGE_NAMES.get(srclang, srclang)
            track = (
                f'<track kind="captions" src="{html.escape(captions.address)}" '
                f'srclang="{srclang}" label="{html.escape(named)}" default>'
            )
        player = (
            f'<video controls preload="none" src="{html.escape(file.address)}">{track}</video>'
            if file.kind == "video"
            else f'<audio controls preload="none" src="{html.escape(file.address)}"></audio>'
        )
        web = (
            f'<figure class="media media--{file.kind}"><details class="media__show">'
            f"<summary>{html.escape(label(file.kind))}: {html.escape(title)} {about}</summary>"
            f"{player}</details>"
            f'<details class="media__transcript"><summary>{html.escape(label("transcript"))}'
            f"</summary>{transcript}</details></figure>"
        )
        printed = (
            f'<figure class="media"><p class="media__label"><strong>'
            f"{html.escape(label('transcript'))}:</strong> {html.escape(title)}</p>"
            f"{transcript}</figure>"
        )
        return web, printed

    def _check(self, part: _Part, context: RenderContext) -> KnowledgeCheck | None:
        check_id = part.argument
        if not check_id:
            context.report(part.line, "a knowledge check needs an id: ::: check <id>")
            return None
        if not SLUG.match(check_id):
            context.report(
                part.line,
                f"knowledge check id {check_id!r}: use lower-case letters, digits, hyphens",
            )
            return None
        prompt: list[str] = []
        options: list[tuple[int, bool, str, list[str]]] = []  # line, correct, text, feedback
        ok = True
        for number, line in enumerate(part.text.split("\n"), start=part.first_line):
            match = _OPTION.match(line)
            if match:
                options.append((number, match.group(1) != " ", match.group(2), []))
            elif not options:
                prompt.append(line)
            elif line.startswith(("  ", "\t")) or not line.strip():
                options[-1][3].append(line)
            else:
                context.report(
                    number,
                    f'knowledge check "{check_id}": after the options, write only options '
                    "(- [ ] or - [x]) and their feedback indented below them",
                )
                ok = False
        prompt_text = "\n".join(prompt).strip()
        if not prompt_text:
            context.report(part.line, f'knowledge check "{check_id}" has no question')
            ok = False
        if len(options) < 2:
            context.report(part.line, f'knowledge check "{check_id}" needs at least two options')
            ok = False
        if options and not any(correct for _, correct, _, _ in options):
            context.report(
                part.line, f'knowledge check "{check_id}" has no correct option (mark one - [x])'
            )
            ok = False
        built: list[Option] = []
        for index, (number, correct, text, feedback_lines) in enumerate(options):
            feedback = _dedent(feedback_lines)
            if not text.strip():
                context.report(number, f'knowledge check "{check_id}": an option has no text')
                ok = False
            if not feedback:
                context.report(number, f'knowledge check "{check_id}": this option has no feedback')
                ok = False
            built.append(
                Option(
                    key=chr(ord("a") + index),
                    html=self.inline(text, context, number),
                    feedback_html=self.markdown(feedback, context, number + 1),
                    is_correct=correct,
                )
            )
        if not ok:
            return None
        return KnowledgeCheck(
            id=check_id,
            prompt_html=self.markdown(prompt_text, context, part.first_line),
            options=tuple(built),
            line=part.line,
        )


@dataclass(frozen=True)
class _Part:
    kind: str  # "markdown", "check" or a callout kind
    text: str
    first_line: int  # the line of the text's first line
    line: int = 0  # the line of the ::: that opened the block
    argument: str = ""


def _key_lines(
    part: _Part, allowed: tuple[str, ...], context: RenderContext
) -> tuple[dict[str, str], str, int]:
    """The ``key: value`` lines a media block opens with, and the text after them (a blank line
    ends the keys): (keys, the rest, the line the rest starts on)."""
    keys: dict[str, str] = {}
    lines = part.text.split("\n")
    for index, line in enumerate(lines):
        number = part.first_line + index
        if not line.strip():
            return keys, "\n".join(lines[index + 1 :]), number + 1
        match = _KEY_LINE.match(line)
        if match is None or match.group(1) not in allowed:
            context.report(
                number,
                f"::: {part.kind} takes {', '.join(f'{k}:' for k in allowed)} lines"
                + (", then a blank line and the transcript" if part.kind == "media" else ""),
            )
            return keys, "", number
        keys[match.group(1)] = match.group(2)
    return keys, "", part.first_line + len(lines)


def _size(size: int, label: Callable[[str], str]) -> str:
    """A file's size as the lesson's language writes it: '6 KB', '2.4 MB'."""
    if size < 1_000_000:
        return label("kilobytes").format(size=max(1, -(-size // 1000)))
    return label("megabytes").format(size=f"{size / 1_000_000:.1f}")


def _outside_code(lines: list[str], first_line: int):
    in_code = False
    for number, line in enumerate(lines, start=first_line):
        if _FENCE.match(line):
            in_code = not in_code
        elif not in_code:
            yield number, line


def _split(text: str, first_line: int, context: RenderContext) -> list[_Part]:
    """Split a body into Markdown runs and ``:::`` blocks, reporting unbalanced ones."""
    parts: list[_Part] = []
    lines = text.split("\n")
    buffer: list[str] = []
    buffer_start = first_line
    opened: tuple[int, str, str] | None = None  # line, kind, argument
    in_code = False
    for number, line in enumerate(lines, start=first_line):
        if _FENCE.match(line):
            in_code = not in_code
        if in_code or not line.startswith(":::"):
            if not buffer:
                buffer_start = number
            buffer.append(line)
            continue
        if _CLOSE.match(line):
            if opened is None:
                context.report(number, "::: closes a block that was never opened")
                continue
            start, kind, argument = opened
            parts.append(_Part(kind, "\n".join(buffer), start + 1, start, argument))
            buffer, opened = [], None
            continue
        match = _OPEN.match(line)
        kind = match.group(1) if match else ""
        if opened is not None:
            context.report(
                number,
                f"::: {kind} inside the block opened on line {opened[0]}: blocks cannot "
                "be nested (close the first with ::: on its own line)",
            )
            continue
        if kind != "check" and kind not in CALLOUT_KINDS and kind not in MEDIA_BLOCKS:
            known = ", ".join(("check", *CALLOUT_KINDS, *MEDIA_BLOCKS))
            context.report(number, f"unknown block ::: {kind or '?'} (known: {known})")
        if "".join(buffer).strip():
            parts.append(_Part("markdown", "\n".join(buffer), buffer_start))
        buffer = []
        opened = (
            number,
            kind
            if kind == "check" or kind in CALLOUT_KINDS or kind in MEDIA_BLOCKS
            else "key-point",
            match.group(2) if match else "",
        )
    if opened is not None:
        context.report(opened[0], f"::: {opened[1]} is never closed (add ::: on its own line)")
    elif "".join(buffer).strip():
        parts.append(_Part("markdown", "\n".join(buffer), buffer_start))
    return parts


def _dedent(lines: list[str]) -> str:
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return "\n".join(
        line.strip()
        if not line.strip()
        else line[2:]
        if line.startswith("  ")
        else line.lstrip("\t")
        for line in lines
    ).strip()


def _finish_links(block: HtmlBlock | CheckBlock, anchor: str) -> HtmlBlock | CheckBlock:
    """Resolve lesson links: relative web addresses, and in print, anchors in the document."""
    if not isinstance(block, HtmlBlock):
        return block
    web = _LESSON_HREF.sub(
        lambda m: (
            f'href="../{m.group(1)}/{m.group(2)}' + (f"#{m.group(3)}" if m.group(3) else "") + '"'
        ),
        block.html,
    )
    printed = _HEADING_ID.sub(
        lambda m: f'<{m.group(1)} id="{anchor}--{m.group(2)}"', block.print_html
    )
    printed = _LESSON_HREF.sub(
        lambda m: (
            f'href="#{print_anchor(m.group(1), m.group(2))}'
            + (f"--{m.group(3)}" if m.group(3) else "")
            + '"'
        ),
        printed,
    )
    return HtmlBlock(web, printed)


def print_anchor(module_slug: str, lesson_slug: str) -> str:
    """The id of a lesson's heading in the printable course."""
    return f"lesson-{module_slug}-{lesson_slug}"
