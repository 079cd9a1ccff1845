"""What a format declares about itself besides rendering: its files, the templates it reads, how it runs.

The build, freshness, editions and the release read these traits instead of keying anything by a
format's name, as Sphinx builders declare theirs, so adding a format is a module and a registry line.
Every trait has a default that is right for a format declaring nothing: it reads every template,
renders in the build's own process, and its files are described by its `description`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from generator.renderers.base import RenderContext


@dataclass(frozen=True)
class Output:
    """One file, or one folder (a stem ending in "/"), that a format writes, as a release's README describes it."""

    stem: str  # the name without the edition's file prefix or version: "poster.pdf", "docs/"
    about: str  # what it is, in one line
    audience: str  # for whom, after "for": "GRC analysts"
    prefixed: bool = True  # its build name starts with the edition's file prefix ("<prefix>-poster.pdf")
    beside: bool = False  # a release also puts it beside the zip, for people who take one file


@dataclass(frozen=True)
class Traits:
    """What a format declares; every field's default suits a format that declares nothing."""

    outputs: tuple[Output, ...] = ()  # the files it writes whose names and descriptions others use
    templates: tuple[str, ...] | None = None  # the template sub-folders it reads; None: every template
    own_process: bool = False  # slow: rendered in a second process when the build may use two
    preload: Callable[[], None] | None = None  # run in that process before the edition is loaded (slow imports)
    # what the build process renders ahead for that process: given the context, a picklable job that writes
    # the format's files into a folder and returns their paths (None: that process renders it all)
    prepare: Callable[[RenderContext], Callable[[Path], list[Path]]] | None = None
    subsets_fonts: bool = False  # its bytes depend on the font subsetter WeasyPrint loads (`font_subsetter`)
    libraries: tuple[str, ...] = ()  # the distributions whose versions change its bytes


DEFAULT = Traits()


def traits_of(renderer: object) -> Traits:
    """Return what `renderer` declares, or the defaults for a renderer declaring nothing."""
    traits = getattr(renderer, "traits", DEFAULT)
    return traits if isinstance(traits, Traits) else DEFAULT
