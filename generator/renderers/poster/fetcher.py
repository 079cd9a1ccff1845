"""A WeasyPrint URL fetcher that reads only `data:` URLs and files inside allowed folders.

WeasyPrint fetches every URL a document names (images, stylesheets, fonts, attachments),
`file:` and network schemes alike. This fetcher refuses all of them except `data:` URLs
and `file:` URLs whose path lies inside a folder of the build's search path (the project's
templates, the organisation's templates and folder), checked as given by
`SearchPath.read_absolute`: no `..`, no symlink, no hard link or special file. The check
runs before anything is opened, so a refused file is never read.

A `file:` URL's path is read from the root (see `rooted`), so a document resolves, is checked
and is reported the same on every supported Python.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from weasyprint.urls import URLFetcher, URLFetcherResponse

from generator.search_path import SearchPath, TemplateOutsideError

# Content types by suffix; WeasyPrint sniffs everything else (images, fonts) from the bytes.
# A fixed table, unlike `mimetypes`, reads no system files and is the same on every machine.
CONTENT_TYPES = {".css": "text/css", ".svg": "image/svg+xml"}
MAX_RESOURCE_BYTES = 10 * 1024 * 1024  # a font or an image


class ResourceRefused(ValueError):
    """A document asked for a URL outside the allowed folders or schemes."""


def rooted(url: str) -> str:
    """Return a `file:` URL with its path read from the root: `file:etc/passwd` becomes `file:///etc/passwd`.

    A relative reference with more `..` than its base has folders climbs to the root (RFC 3986,
    5.2.4), and so does `urljoin` on Python 3.11 and 3.12, which WeasyPrint resolves references
    with; 3.13's `urljoin` returns the path rootless instead (`file:etc/passwd`). A rootless path
    is never read against the working folder: it is rooted, then checked like any other.
    """
    scheme, rest = url.split(":", 1)
    return url if rest.startswith("/") else f"{scheme}:///{rest}"


class ContainedFetcher(URLFetcher):
    """Serve `data:` URLs and files on the search path; refuse everything else with a clear error.

    A refusal stops the render (`fail_on_errors`) instead of being logged, and `refused` keeps
    every refusal's message for the caller to report.
    """

    def __init__(self, search_path: SearchPath | None = None):
        super().__init__(allowed_protocols=("data", "file"), fail_on_errors=True)
        self.search_path = search_path or SearchPath()
        self.roots = tuple(dict.fromkeys((*self.search_path.roots, *self.search_path.assets)))
        self.refused: list[str] = []  # every refusal, in order, even those WeasyPrint swallows

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme != "file":
            raise self._refuse(url, "only data: and file: URLs are allowed")
        url = rooted(url)
        path, data = self.contained_file(url)
        content_type = CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")
        return URLFetcherResponse(path.as_uri(), data, {"Content-Type": content_type})

    def contained_file(self, url: str) -> tuple[Path, bytes]:
        """Return the path and bytes of a `file:` URL, or raise if it is not a plain file on the search path."""
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise self._refuse(url, f"file URLs on host {parts.netloc!r} are not allowed")
        path = Path(url2pathname(parts.path))
        try:
            return path, self.search_path.read_absolute(path, MAX_RESOURCE_BYTES)
        except TemplateOutsideError as exc:
            raise self._refuse(url, str(exc)) from None
        except OSError as exc:
            raise self._refuse(url, f"{path} cannot be read ({exc.strerror})") from None

    def _refuse(self, url: str, reason: str) -> ResourceRefused:
        roots = ", ".join(str(r) for r in self.roots)
        message = f"refused to fetch {url}: {reason} (allowed: data: URLs and files under {roots})"
        self.refused.append(message)
        return ResourceRefused(message)
