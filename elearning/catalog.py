"""The loaded course catalog, held by the application; read from files once per process, and
rendered once per edition of the content.

Reading the course renders some fourteen thousand pieces of Markdown in seven languages: many
seconds of CPU for every web worker, job worker and command that starts. So the rendered catalog
is kept in the instance folder (``cache/catalog-<key>.pickle``), under a key made of every
content file's bytes and the code that renders them; a process that finds its key there loads
it in a fraction of a second, and any edit of the content or upgrade of the platform renders
afresh. The instance folder is the platform's own (it holds the secret key), so what is
unpickled there was written by the platform.
"""

from __future__ import annotations

import copyreg
import hashlib
import logging
import os
import pickle  # noqa: S403  # nosec B403 - our own files in the instance folder (docstring)
import sys
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path
from types import MappingProxyType

from flask import Flask, current_app

from elearning import content as content_package
from elearning.content import Catalog, load_catalog

log = logging.getLogger(__name__)

_lock = threading.Lock()
# Catalogs already read in this process, by content folder and the state of its files: an app
# built again on unchanged content (the tests build hundreds; the command line a few) shares
# the immutable catalog instead of reading and rendering every file again.
_READ: OrderedDict[tuple, Catalog] = OrderedDict()
_READ_KEPT = 8


def _files_state(root: Path, local: Path | None) -> tuple:
    """Every content file's path, size and modification time: a change to any reads again."""
    folders = [root / "courses", root / "quizzes", *([local] if local else [])]
    files = sorted(
        path
        for folder in folders
        if folder.is_dir()
        for path in folder.rglob("*")
        if path.is_file()
    )
    return tuple((str(path), *_size_and_time(path)) for path in files)


def _size_and_time(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns


def read_catalog(root: Path, local: Path | None = None, cache: Path | None = None) -> Catalog:
    """The catalog of ``root`` (with the local layers in ``local``), read once per process while
    its files are unchanged; with ``cache`` (a folder), rendered once for all processes."""
    key = (str(root.resolve()), str(local), _files_state(root, local))
    with _lock:
        catalog = _READ.get(key)
        if catalog is None:
            catalog = _stored_or_loaded(root, local, cache)
            _READ[key] = catalog
            while len(_READ) > _READ_KEPT:
                _READ.popitem(last=False)
        _READ.move_to_end(key)
    return catalog


# --- the rendered catalog, kept on disk ---------------------------------------------------------


def _mapping(items: dict) -> MappingProxyType:
    return MappingProxyType(items)


copyreg.pickle(MappingProxyType, lambda proxy: (_mapping, (dict(proxy),)))


def _stored_or_loaded(root: Path, local: Path | None, cache: Path | None) -> Catalog:
    """The catalog from ``cache`` when it holds this content's rendering, else loaded (and
    stored there for the next process)."""
    if cache is None:
        return load_catalog(root, local)
    path = cache / f"catalog-{_rendering_key(root, local)}.pickle"
    try:
        with path.open("rb") as stored:
            return pickle.load(stored)  # noqa: S301  # nosec B301 - written by _store
    except FileNotFoundError:
        pass
    except Exception:  # noqa: BLE001 - a truncated or stale file is rendered again
        log.warning("the stored catalog %s could not be read; rendering the content again", path)
    catalog = load_catalog(root, local)  # ContentInvalid: nothing is stored
    _store(catalog, path)
    return catalog


def _rendering_key(root: Path, local: Path | None) -> str:
    """A hash of every content file's bytes and of the code that renders them."""
    digest = hashlib.sha256(f"{sys.version_info[:2]}".encode())
    code = Path(content_package.__file__).parent
    sources = [(code, path) for path in sorted(code.rglob("*.py"))]
    for folder in (root / "courses", root / "quizzes", *([local] if local else [])):
        if folder.is_dir():
            sources += [(folder, path) for path in sorted(folder.rglob("*")) if path.is_file()]
    for base, path in sources:
        digest.update(f"{base.name}/{path.relative_to(base).as_posix()}\0".encode())
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:24]


def _store(catalog: Catalog, path: Path) -> None:
    """Write the catalog in place of its older renderings, atomically: another process reads
    the whole file or none. A failure (a read-only instance folder) only costs the next process
    the rendering."""
    temporary = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as file:
            temporary = Path(file.name)
            pickle.dump(catalog, file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
        for old in path.parent.glob("catalog-*.pickle"):
            if old != path:
                old.unlink(missing_ok=True)
    except Exception:  # noqa: BLE001 - the platform runs on without the stored copy
        log.warning("could not keep the rendered catalog in %s", path.parent, exc_info=True)
        if temporary is not None:
            temporary.unlink(missing_ok=True)


def load_app_catalog(app: Flask) -> Catalog:
    """Load (once) and return the app's catalog; raises ContentInvalid on broken content."""
    catalog = app.extensions.get("catalog")
    if catalog is None:
        local = app.config.get("LOCAL_DIR")
        catalog = read_catalog(
            Path(app.config["CONTENT_DIR"]),
            Path(local) if local else None,
            Path(app.instance_path) / "cache",
        )
        app.extensions.setdefault("catalog", catalog)
        catalog = app.extensions["catalog"]
    return catalog


def get_catalog() -> Catalog:
    """The current app's catalog."""
    return load_app_catalog(current_app._get_current_object())
