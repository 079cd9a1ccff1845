"""The registry of output formats: adding a format is adding a module and a line here.

What the build, freshness, editions and the release need to know about a format beyond its
name, description and `render` it declares as its `traits` (`generator.renderers.traits`).

Importing the registry stays cheap: a format whose library is slow to import (openpyxl,
python-docx, WeasyPrint) imports it when it renders, so a build that forks the poster off
early, or renders only some formats, does not pay for the others' imports first.
"""

from __future__ import annotations

from generator.naming import Naming
from generator.renderers import framework_json, markdown_docs, responsibilities_csv
from generator.renderers.base import Renderer
from generator.renderers.ciso_assistant import CisoAssistant
from generator.renderers.explorer import Explorer
from generator.renderers.oscal import files as oscal
from generator.renderers.policy_pack import PolicyPack
from generator.renderers.poster import pdf as poster
from generator.renderers.raci_workbook import RaciWorkbook
from generator.renderers.traits import DEFAULT, Output, Traits, traits_of

RENDERERS: tuple[Renderer, ...] = (
    markdown_docs.MarkdownDocs(),
    framework_json.FrameworkJson(),
    responsibilities_csv.ResponsibilitiesCsv(),
    RaciWorkbook(),
    poster.Poster(),
    PolicyPack(),
    oscal.Oscal(),
    CisoAssistant(),
    Explorer(),
)


def by_name() -> dict[str, Renderer]:
    """Return the renderers keyed by format name, refusing duplicates."""
    names: dict[str, Renderer] = {}
    for renderer in RENDERERS:
        if renderer.name in names:
            raise RuntimeError(f"two renderers are named {renderer.name!r}")
        names[renderer.name] = renderer
    return names


def format_traits(name: str) -> Traits:
    """Return what format `name` declares; a name not in the registry (an older manifest's) gets the defaults."""
    renderer = by_name().get(name)
    return DEFAULT if renderer is None else traits_of(renderer)


def declared_outputs() -> list[Output]:
    """Return the files and folders the formats declare, in registry order, refusing two of one name."""
    outputs = [output for renderer in RENDERERS for output in traits_of(renderer).outputs]
    stems = [output.stem for output in outputs]
    if len(set(stems)) != len(stems):
        raise RuntimeError(f"two formats declare {next(s for s in stems if stems.count(s) > 1)!r}")
    return outputs


def file_names(naming: Naming) -> dict[str, str]:
    """Return the name of every file the formats declare, by stem, where `naming` puts them."""
    return {output.stem: naming.file(output) for output in declared_outputs()}
