"""The print view as a tagged PDF (PDF/UA-1) for board packs, made with WeasyPrint.

WeasyPrint tags the PDF from the HTML: headings, lists and table headers become
its structure tree, <html lang> its /Lang and <title> its /Title. No Flask here:
the caller renders the HTML. Nothing is fetched from the network: only files
inside the folder of `base_url` (the static folder) are read.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from weasyprint import HTML
from weasyprint.urls import URLFetcher

from hiat.text import CONTROL, close_bidi, newlines

PDF_VARIANT = "pdf/ua-1"


class LocalFiles(URLFetcher):
    """A fetcher that reads files inside one folder and refuses every other address."""

    def __init__(self, folder: Path | None):
        super().__init__(allowed_protocols={"file"}, allow_redirects=False)
        self.folder = folder

    def fetch(self, url, headers=None):
        path = Path(url2pathname(urlsplit(url).path)).resolve()
        if self.folder is None or not path.is_relative_to(self.folder):
            raise ValueError(f"{url}: a PDF reads only files in {self.folder}")
        return super().fetch(url, headers)


def to_pdf(html: str, base_url: str | None = None) -> bytes:
    """The HTML as a tagged PDF; relative links resolve against `base_url`, a file URL.

    The title and authors a PDF reader shows come from <title> and <meta name=author>,
    which Jinja escapes but does not clean: they are made one clean line here.
    """
    fetcher = LocalFiles(_folder(base_url))
    document = HTML(string=html, base_url=base_url, url_fetcher=fetcher).render(
        pdf_variant=PDF_VARIANT
    )
    metadata = document.metadata
    metadata.title = one_line(metadata.title or "")
    metadata.authors = [one_line(author) for author in metadata.authors]
    return document.write_pdf(pdf_variant=PDF_VARIANT)


def one_line(text: str) -> str:
    """Text for a document property: no control characters, bidi closed, spaces collapsed."""
    return close_bidi(" ".join(CONTROL.sub("", newlines(text)).split()))


def _folder(base_url: str | None) -> Path | None:
    """The folder a file URL points into (a URL ending in / is the folder itself)."""
    if not base_url:
        return None
    parts = urlsplit(base_url)
    if parts.scheme not in ("", "file"):
        raise ValueError(f"{base_url}: the base URL of a PDF must be a local folder")
    path = Path(url2pathname(parts.path))
    return (path if base_url.endswith("/") else path.parent).resolve()
