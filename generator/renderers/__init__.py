"""The registry of output formats: adding a format is adding a module and a line here.

Importing the registry stays cheap: a format whose library is slow to import (openpyxl,
python-docx, WeasyPrint) imports it when it renders, so a build that forks the poster off
early, or renders only some formats, does not pay for the others' imports first.
"""

from __future__ import annotations

from generator.renderers import framework_json, markdown_docs, responsibilities_csv
from generator.renderers.base import Renderer
from generator.renderers.ciso_assistant import CisoAssistant
from generator.renderers.explorer import Explorer
from generator.renderers.oscal import files as oscal
from generator.renderers.policy_pack import PolicyPack
from generator.renderers.poster import pdf as poster
from generator.renderers.raci_workbook import RaciWorkbook

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
