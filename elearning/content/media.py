"""A course's figures, videos and recordings (``courses/<course>/media/``): which files there are,
what kind each is, and which file a lesson in a given language shows.

A file with words in it has one file per language, named as lessons are: ``texts-map.svg`` in
English, ``texts-map.fr.svg`` in French; a lesson in a language without its own file shows the
English one.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

from elearning.content.fields import Problems
from elearning.content.model import MediaFile

FOLDER = "media"
_NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
KINDS = {
    ".svg": ("image", "image/svg+xml"),
    ".png": ("image", "image/png"),
    ".jpg": ("image", "image/jpeg"),
    ".jpeg": ("image", "image/jpeg"),
    ".webp": ("image", "image/webp"),
    ".mp4": ("video", "video/mp4"),
    ".webm": ("video", "video/webm"),
    ".mp3": ("audio", "audio/mpeg"),
    ".m4a": ("audio", "audio/mp4"),
    ".ogg": ("audio", "audio/ogg"),
    ".vtt": ("captions", "text/vtt"),
}
#: Larger than this, a file is reported: short media only, for judges on slow connections.
MAX_BYTES = {"image": 1_000_000, "captions": 200_000, "video": 40_000_000, "audio": 10_000_000}


def discover_media(folder: Path, problems: Problems) -> Mapping[str, MediaFile]:
    """The media files of the course in ``folder``, by name; problems for the others."""
    root = folder / FOLDER
    if not root.is_dir():
        return MappingProxyType({})
    found: dict[str, MediaFile] = {}
    for path in sorted(root.iterdir()):
        stem, _, _ = path.name.partition(".")
        kind, mime = KINDS.get(path.suffix.lower(), ("", ""))
        if path.is_dir() or not kind or not _NAME.match(stem):
            problems.add(
                path,
                0,
                "a media file is named in lower-case letters, digits and hyphens and is one of "
                f"{', '.join(KINDS)} (a folder or another file cannot be shown)",
            )
            continue
        data = path.read_bytes()
        if len(data) > MAX_BYTES[kind]:
            problems.add(
                path,
                0,
                f"a {kind} of {len(data) // 1000:,} KB is too heavy for a judge on a slow "
                f"connection (at most {MAX_BYTES[kind] // 1000:,} KB)",
            )
            continue
        found[path.name] = MediaFile(
            name=path.name,
            path=path.resolve(),
            kind=kind,
            mime=mime,
            size=len(data),
            digest=hashlib.sha256(data).hexdigest()[:12],
        )
    return MappingProxyType(found)


def in_language(media: Mapping[str, MediaFile], name: str, language: str) -> MediaFile | None:
    """The file a lesson in ``language`` shows for ``name``: its own language's, else ``name``."""
    stem, dot, suffix = name.rpartition(".")
    if dot and language:
        own = media.get(f"{stem}.{language}.{suffix}")
        if own is not None:
            return own
    return media.get(name)
