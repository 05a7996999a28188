"""The loaded course catalog, held by the application; read from files once per process."""

from __future__ import annotations

import threading
from pathlib import Path

from flask import Flask, current_app

from elearning.content import Catalog, load_catalog

_lock = threading.Lock()


def load_app_catalog(app: Flask) -> Catalog:
    """Load (once) and return the app's catalog; raises ContentInvalid on broken content."""
    catalog = app.extensions.get("catalog")
    if catalog is None:
        with _lock:
            catalog = app.extensions.get("catalog")
            if catalog is None:
                catalog = load_catalog(Path(app.config["CONTENT_DIR"]))
                app.extensions["catalog"] = catalog
    return catalog


def get_catalog() -> Catalog:
    """The current app's catalog."""
    return load_app_catalog(current_app._get_current_object())
