"""A certificate design's own settings (``certificates/<design>/design.yaml``): the issuing
institution's logo and who signs. They live in the design's folder, beside its page and style, so
an academy sets them without Python; a design without the file prints no signatory's name and
its own emblem."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from elearning.content.fields import Problems, read_yaml, text_field, unknown_keys
from elearning.content.model import Text
from elearning.content.yamlfile import LineDict, LineList
from elearning.i18n import LANGUAGE_NAMES

SETTINGS_FILE = "design.yaml"
#: What a logo or a signature may be: images WeasyPrint draws.
IMAGE_SUFFIXES = (".svg", ".png", ".jpg", ".jpeg")
MAX_SIGNATORIES = 3
MAX_NAME = 120


@dataclass(frozen=True)
class Signatory:
    """Who signs the certificate: a name as printed, a title per language, and optionally an
    image of the signature (a file of the design)."""

    name: str
    title: Text | None = None
    signature: str | None = None


@dataclass(frozen=True)
class DesignSettings:
    """The logo (a file of the design) and the signatories, left to right as read."""

    logo: str | None = None
    signatories: tuple[Signatory, ...] = ()


class DesignError(ValueError):
    """The design's settings are wrong: each problem at its line."""


def load_design(design_dir: Path, problems: Problems, languages: tuple[str, ...]) -> DesignSettings:
    """The settings of the design in ``design_dir``; none when it has no ``design.yaml``."""
    path = design_dir / SETTINGS_FILE
    if not path.is_file():
        return DesignSettings()
    data = read_yaml(path, problems)
    if data is None:
        return DesignSettings()
    unknown_keys(data, {"logo", "signatories"}, path, problems)
    logo = _image(data, "logo", design_dir, path, problems)
    listed = data.get("signatories", [])
    if not isinstance(listed, list) or len(listed) > MAX_SIGNATORIES:
        problems.add(
            path,
            data.line_of("signatories"),
            f"signatories must be a list of at most {MAX_SIGNATORIES}, each with a name",
        )
        return DesignSettings(logo=logo)
    signatories = []
    for index, entry in enumerate(listed):
        line = listed.line_of(index) if isinstance(listed, LineList) else data.line
        if not isinstance(entry, LineDict):
            problems.add(path, line, "a signatory needs a name (and may have a title, signature)")
            continue
        unknown_keys(entry, {"name", "title", "signature"}, path, problems)
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip() or len(name.strip()) > MAX_NAME:
            problems.add(
                path, entry.line_of("name"), f"a signatory's name: text of 1 to {MAX_NAME} letters"
            )
            continue
        signatories.append(
            Signatory(
                name=name.strip(),
                title=text_field(entry, "title", path, problems, languages, required=False),
                signature=_image(entry, "signature", design_dir, path, problems),
            )
        )
    return DesignSettings(logo=logo, signatories=tuple(signatories))


def read_design(design_dir: Path) -> DesignSettings:
    """The design's settings for rendering. DesignError: they are wrong (``elearning content
    check`` tells where)."""
    problems = Problems(design_dir)
    settings = load_design(design_dir, problems, tuple(LANGUAGE_NAMES))
    if problems.errors:
        raise DesignError("; ".join(str(error) for error in problems.errors))
    return settings


def _image(
    data: LineDict, key: str, design_dir: Path, path: Path, problems: Problems
) -> str | None:
    """A file of the design named by ``key``, as a path relative to the design's folder."""
    value = data.get(key)
    if value is None:
        return None
    root = design_dir.resolve()
    target = (root / str(value)).resolve() if isinstance(value, str) else None
    if target is None or not target.is_relative_to(root) or not target.is_file():
        problems.add(path, data.line_of(key), f"{key}: {value!r} is not a file of this design")
        return None
    if target.suffix.lower() not in IMAGE_SUFFIXES:
        problems.add(
            path, data.line_of(key), f"{key}: an image ({', '.join(IMAGE_SUFFIXES)}), not {value!r}"
        )
        return None
    return target.relative_to(root).as_posix()
