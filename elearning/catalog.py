"""The loaded course catalog, held by the application; read from files once per process."""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

from flask import Flask, current_app

from elearning.content import Catalog, load_catalog

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


def read_catalog(root: Path, local: Path | None = None) -> Catalog:
    """The catalog of ``root`` (with the local layers in ``local``), read once per process while
    its files are unchanged."""
    key = (str(root.resolve()), str(local), _files_state(root, local))
    with _lock:
        catalog = _READ.get(key)
        if catalog is None:
            catalog = load_catalog(root, local)
            _READ[key] = catalog
            while len(_READ) > _READ_KEPT:
                _READ.popitem(last=False)
        _READ.move_to_end(key)
    return catalog


def load_app_catalog(app: Flask) -> Catalog:
    """Load (once) and return the app's catalog; raises ContentInvalid on broken content."""
    catalog = app.extensions.get("catalog")
    if catalog is None:
        local = app.config.get("LOCAL_DIR")
        catalog = read_catalog(Path(app.config["CONTENT_DIR"]), Path(local) if local else None)
        app.extensions.setdefault("catalog", catalog)
        catalog = app.extensions["catalog"]
    return catalog


def get_catalog() -> Catalog:
    """The current app's catalog."""
    return load_app_catalog(current_app._get_current_object())
