"""Course content: loads and validates courses/ into an immutable catalog (no Flask, no DB)."""

from elearning.content.loader import load_catalog
from elearning.content.model import Catalog, ContentError, ContentInvalid, Course, Lesson, Module
from elearning.content.summary import catalog_summary

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
