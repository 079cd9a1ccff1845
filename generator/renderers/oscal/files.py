"""The OSCAL renderer: the catalog and the component definition as JSON, with content-derived uuids."""

from __future__ import annotations

from pathlib import Path

from generator.renderers.base import RenderContext, write_text
from generator.renderers.oscal.catalog import catalog_body
from generator.renderers.oscal.common import document_uuid, dump, metadata
from generator.renderers.oscal.component import component_body


def catalog_name(prefix: str) -> str:
    return f"{prefix}-oscal-catalog.json"


def component_name(prefix: str) -> str:
    return f"{prefix}-oscal-component-definition.json"


class Oscal:
    name = "oscal"
    description = "<prefix>-oscal-catalog.json and -oscal-component-definition.json: OSCAL for GRC tools"

    def render(self, ctx: RenderContext, out_dir: Path) -> list[Path]:
        fw, branding, prefix = ctx.framework, ctx.branding, ctx.branding.file_prefix
        catalog = _document("catalog", metadata(fw, branding, ctx.build_time, "OSCAL catalog"), catalog_body(fw))
        roles_and_components = component_body(fw, f"./{catalog_name(prefix)}")
        meta = metadata(fw, branding, ctx.build_time, "OSCAL component definition")
        meta["roles"] += roles_and_components.pop("roles")
        component = _document("component-definition", meta, roles_and_components)
        return [
            write_text(out_dir, catalog_name(prefix), dump({"catalog": catalog})),
            write_text(out_dir, component_name(prefix), dump({"component-definition": component})),
        ]


def _document(kind: str, meta: dict, body: dict) -> dict:
    """Put metadata and body under a uuid derived from everything but the build time."""
    undated = {key: value for key, value in meta.items() if key != "last-modified"}
    return {"uuid": document_uuid(kind, {"metadata": undated, **body}), "metadata": meta, **body}
