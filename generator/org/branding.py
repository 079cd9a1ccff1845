"""How an edition looks and whose it is: defaults here, an organisation profile may override."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from types import MappingProxyType

from generator.dates import add_months
from generator.source.schema import VERSION

# Poster page sizes in millimetres, landscape (width, height).
POSTER_SIZES_MM: Mapping[str, tuple[float, float]] = MappingProxyType(
    {
        "A3": (420, 297),
        "A2": (594, 420),
        "A1": (841, 594),
        "Letter": (279.4, 215.9),
        "Tabloid": (431.8, 279.4),
    }
)
POSTER_SIZES = tuple(POSTER_SIZES_MM)
# Paper the office documents print on, portrait (width, height) in millimetres.
PAPER_SIZES_MM: Mapping[str, tuple[float, float]] = MappingProxyType({"A4": (210, 297), "Letter": (215.9, 279.4)})
PAPER_SIZES = tuple(PAPER_SIZES_MM)


@dataclass(frozen=True)
class LevelColours:
    """Fill and text colour of one responsibility level, as #RRGGBB."""

    fill: str
    text: str


# Okabe-Ito hues (safe for the common colour-vision deficiencies), darkened or
# lightened until the cell text meets WCAG AA (4.5:1) on its fill. Keyed by level id.
DEFAULT_PALETTE: Mapping[str, LevelColours] = MappingProxyType(
    {
        "provider": LevelColours(fill="#0063A0", text="#FFFFFF"),
        "customer": LevelColours(fill="#F0B33C", text="#000000"),
        "shared": LevelColours(fill="#5FC3A6", text="#000000"),
        "not-applicable": LevelColours(fill="#E6E6E6", text="#333333"),
    }
)
# For levels without a palette entry, in legend order (a framework of its own levels takes them all):
# distinct for up to six such levels, then again from the first.
FALLBACK_COLOURS = (
    LevelColours(fill="#CC79A7", text="#000000"),
    LevelColours(fill="#56B4E9", text="#000000"),
    LevelColours(fill="#B0B0B0", text="#000000"),
    LevelColours(fill="#E69F00", text="#000000"),
    LevelColours(fill="#F0E442", text="#000000"),
    LevelColours(fill="#009E73", text="#000000"),
)


@dataclass(frozen=True)
class Logo:
    """A checked logo: the vector original (SVG) and/or a raster PNG or JPEG of bounded size."""

    svg: Path | None
    raster: bytes | None
    raster_type: str | None  # MIME type of `raster`
    width: int | None
    height: int | None

    def raster_data_url(self) -> str | None:
        """Return the raster image as a data: URL, for renderers that take URLs."""
        if self.raster is None:
            return None
        return f"data:{self.raster_type};base64,{base64.b64encode(self.raster).decode('ascii')}"


def text(description: str = "") -> dict:
    """Field metadata: organisation text (one line, printable, short; checked in a profile), with its description."""
    return {"text": True, **({"doc": description} if description else {})}


@dataclass(frozen=True)
class DocumentControl:
    """The policy's document control, as org.yaml's `document_control` gives it; what it leaves out keeps these.

    A field declared here is read from org.yaml, checked (text fields: `text()`), carried in the
    branding and in the template context's `edition.document_control`; nothing else lists it.
    """

    owner: str = field(default="Chief Information Security Officer", metadata=text("role that owns the document"))
    approver: str = field(default="Executive Risk Committee", metadata=text("role or body that approves it"))
    version: str = field(
        default="1.0", metadata={**text("the document's version, e.g. 1.1; release names carry it"), "pattern": VERSION}
    )
    status: str = field(default="Draft for approval", metadata=text("e.g. Draft for approval, Approved"))
    issue_date: date | None = field(
        default=None, metadata={"doc": "YYYY-MM-DD, the day the version takes effect; default: the day it is built"}
    )
    review_cycle_months: int = field(default=12, metadata={"doc": "months between reviews, 1 to 60"})

    def issued(self, when: datetime) -> date:
        """Return the day the edition is dated: its issue date, or else the day of the build time `when`."""
        return self.issue_date or when.date()

    def next_review(self, when: datetime) -> date:
        """Return the day the next review is due: a review cycle after the issue date (a short month's last day)."""
        return add_months(self.issued(when), self.review_cycle_months)


@dataclass(frozen=True)
class Branding:
    """Name, look and document control of an edition; the defaults are the project's own."""

    organisation: str | None = None
    short_name: str | None = None
    logo: Logo | None = None
    primary: str = "#1F3A5F"
    accent: str = "#0063A0"
    palette: Mapping[str, LevelColours] = field(default_factory=lambda: DEFAULT_PALETTE)
    font_family: str = "DejaVu Sans"
    font_file: Path | None = None  # a checked .ttf/.otf inside the profile folder
    classification: str = "Internal"
    document_control: DocumentControl = field(default_factory=DocumentControl)
    poster_size: str = "A2"
    paper_size: str = "A4"  # the workbook's printed pages
    file_prefix: str = "ai-security-responsibility"

    def colours(self, level_id: str, level_ids: tuple[str, ...]) -> LevelColours:
        """Return the colours of a level; levels without a palette entry take fallbacks in order."""
        if level_id in self.palette:
            return self.palette[level_id]
        extras = [i for i in level_ids if i not in self.palette]
        return FALLBACK_COLOURS[extras.index(level_id) % len(FALLBACK_COLOURS)]

    def level_colours(self, level_ids: tuple[str, ...]) -> dict[str, LevelColours]:
        """Return the colours of every level (ids in legend order, as `FrameworkInfo.level_ids`)."""
        return {level_id: self.colours(level_id, level_ids) for level_id in level_ids}


def contrast_ratio(first: str, second: str) -> float:
    """Return the WCAG 2 contrast ratio of two #RRGGBB colours (1 to 21)."""
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _luminance(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
