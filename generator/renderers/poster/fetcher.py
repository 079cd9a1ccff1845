"""A WeasyPrint URL fetcher that reads only `data:` URLs and files inside allowed folders.

WeasyPrint fetches every URL a document names (images, stylesheets, fonts, attachments),
`file:` and network schemes alike. This fetcher refuses all of them except `data:` URLs
and `file:` URLs whose real path (symlinks resolved) lies inside the project's templates
folder or an extra root such as the organisation's own folder. The check runs before
anything is opened, so a refused file is never read.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from weasyprint.urls import URLFetcher, URLFetcherResponse

from generator.templating import TEMPLATES_DIR

# Content types by suffix; WeasyPrint sniffs everything else (images, fonts) from the bytes.
# A fixed table, unlike `mimetypes`, reads no system files and is the same on every machine.
CONTENT_TYPES = {".css": "text/css", ".svg": "image/svg+xml"}


class ResourceRefused(ValueError):
    """A document asked for a URL outside the allowed folders or schemes."""


class ContainedFetcher(URLFetcher):
    """Serve `data:` URLs and files under `roots`; refuse everything else with a clear error.

    A refusal stops the render (`fail_on_errors`) instead of being logged, and `refused` keeps
    every refusal's message for the caller to report.
    """

    def __init__(self, extra_roots: Sequence[Path] = ()):
        super().__init__(allowed_protocols=("data", "file"), fail_on_errors=True)
        self.roots = tuple(dict.fromkeys(r.resolve() for r in (TEMPLATES_DIR, *extra_roots)))
        self.refused: list[str] = []  # every refusal, in order, even those WeasyPrint swallows

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme != "file":
            raise self._refuse(url, "only data: and file: URLs are allowed")
        path = self.contained_path(url)
        content_type = CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": content_type})

    def contained_path(self, url: str) -> Path:
        """Return the real path of a `file:` URL, or raise if it lies outside the allowed roots."""
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise self._refuse(url, f"file URLs on host {parts.netloc!r} are not allowed")
        path = Path(url2pathname(parts.path)).resolve()
        if not any(path.is_relative_to(root) for root in self.roots):
            raise self._refuse(url, f"it resolves to {path}, outside the allowed folders")
        if not path.is_file():
            raise self._refuse(url, f"{path} is not a file")
        return path

    def _refuse(self, url: str, reason: str) -> ResourceRefused:
        roots = ", ".join(str(r) for r in self.roots)
        message = f"refused to fetch {url}: {reason} (allowed: data: URLs and files under {roots})"
        self.refused.append(message)
        return ResourceRefused(message)
