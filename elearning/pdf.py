"""HTML → PDF with WeasyPrint, fetching nothing: no local files, no network."""

from __future__ import annotations

import fcntl
import io
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import PdfFileWriter, _ObjectImporter
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher, URLFetchingError


class RefuseAll(URLFetcher):
    """A URL fetcher that fetches nothing: documents are self-contained by construction."""

    def fetch(self, url: str, headers=None):
        raise URLFetchingError(f"fetching {url!r} is not allowed")


def render_pdf(html: str, stylesheet: str) -> bytes:
    """Render ``html`` styled by ``stylesheet`` (CSS text) to PDF bytes."""
    fetcher = RefuseAll()
    document = HTML(string=html, base_url="about:blank", url_fetcher=fetcher)
    return document.write_pdf(
        stylesheets=[CSS(string=stylesheet, url_fetcher=fetcher)],
        uncompressed_pdf=False,
    )


def stored_pdf(path: Path, render: Callable[[], bytes]) -> tuple[Path, bool]:
    """The PDF kept at ``path``, rendering it with ``render`` first if it is not there yet;
    (path, whether it was rendered now). A lock file makes concurrent first requests wait for
    one rendering instead of each starting their own."""
    if path.exists():
        return path, False
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another worker may be rendering it right now
        if path.exists():
            return path, False
        partial = path.with_suffix(f".{os.getpid()}.part")
        partial.write_bytes(render())
        os.replace(partial, path)  # readers see the whole file or none
    return path, True


def concatenate_pdfs(documents: Iterable[bytes]) -> bytes:
    """One PDF holding every page of ``documents`` in turn, each page as issued: its content,
    resources and size copied unchanged; only form fields (a signature's widget) are left out,
    since a signature covers its own file, not the bundle. Reads one document at a time."""
    writer = PdfFileWriter(init_page_tree=True)
    for document in documents:
        reader = PdfFileReader(io.BytesIO(document), strict=False)
        # pyHanko's public import_object maps references afresh on each call (a font shared by
        # two pages would be copied twice) and wants an object read from a file; its importer,
        # given one reference map per document, copies each object of the document once.
        importer = _ObjectImporter(source=reader, target=writer, reference_map={}, obj_stream=None)
        for index in range(int(reader.root["/Pages"]["/Count"])):
            page_ref, resources = reader.find_page_for_modification(index)
            page = _standalone_page(page_ref.get_object(), resources)
            writer.insert_page(importer.import_object(page))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _standalone_page(page: generic.DictionaryObject, resources) -> generic.DictionaryObject:
    """A copy of ``page`` that stands on its own: inherited resources and size spelled out, no
    parent, and only the annotations that are not form fields (links keep working)."""
    copy = generic.DictionaryObject(
        {key: value for key, value in page.items() if key not in _NOT_COPIED}
    )
    copy[generic.NameObject("/Resources")] = resources
    for box in ("/MediaBox", "/CropBox", "/Rotate"):
        inherited = _inherited(page, box)
        if inherited is not None:
            copy[generic.NameObject(box)] = inherited
    links = [
        annotation
        for annotation in page.get("/Annots", ())
        if annotation.get_object().get("/Subtype") != "/Widget"
    ]
    if links:
        copy[generic.NameObject("/Annots")] = generic.ArrayObject(
            _without_page_link(annotation.get_object()) for annotation in links
        )
    return copy


_NOT_COPIED = {"/Parent", "/Annots", "/Resources", "/StructParents", "/B"}


def _inherited(page: generic.DictionaryObject, key: str):
    """``key`` of the page or of the nearest page-tree node above it that sets it."""
    node = page
    while node is not None:
        if key in node:
            return node[key]
        parent = node.raw_get("/Parent") if "/Parent" in node else None
        node = parent.get_object() if parent is not None else None
    return None


def _without_page_link(annotation: generic.DictionaryObject) -> generic.DictionaryObject:
    """An annotation without its back-reference to the source page (``/P``) nor a link to a
    place inside the source document, which would drag that document's pages along."""
    return generic.DictionaryObject(
        {key: value for key, value in annotation.items() if key not in ("/P", "/Parent", "/Dest")}
    )
