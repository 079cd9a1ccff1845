"""The registry of output formats: adding a format is adding a module and a line here."""

from __future__ import annotations

from generator.renderers import framework_json, markdown_docs, responsibilities_csv
from generator.renderers.base import Renderer
from generator.renderers.ciso_assistant import files as ciso_assistant
from generator.renderers.oscal import files as oscal
from generator.renderers.policy_pack import document as policy_pack
from generator.renderers.poster import pdf as poster
from generator.renderers.raci_workbook import workbook as raci_workbook

RENDERERS: tuple[Renderer, ...] = (
    markdown_docs.MarkdownDocs(),
    framework_json.FrameworkJson(),
    responsibilities_csv.ResponsibilitiesCsv(),
    raci_workbook.RaciWorkbook(),
    poster.Poster(),
    policy_pack.PolicyPack(),
    oscal.Oscal(),
    ciso_assistant.CisoAssistant(),
)


def by_name() -> dict[str, Renderer]:
    """Return the renderers keyed by format name, refusing duplicates."""
    names: dict[str, Renderer] = {}
    for renderer in RENDERERS:
        if renderer.name in names:
            raise RuntimeError(f"two renderers are named {renderer.name!r}")
        names[renderer.name] = renderer
    return names
