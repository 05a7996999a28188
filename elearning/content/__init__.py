"""Course content: loads and validates courses/ into an immutable catalog (no Flask, no DB)."""

from elearning.content.loader import catalog_summary, load_catalog
from elearning.content.model import Catalog, ContentError, ContentInvalid, Course, Lesson, Module

__all__ = [
    "Catalog",
    "ContentError",
    "ContentInvalid",
    "Course",
    "Lesson",
    "Module",
    "catalog_summary",
    "load_catalog",
]
