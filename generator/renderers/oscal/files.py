"""The OSCAL renderer: the catalog and the component definition as JSON, with content-derived uuids."""

from __future__ import annotations

from pathlib import Path

from generator.renderers.base import RenderContext, write_text
from generator.renderers.oscal.catalog import catalog_body
from generator.renderers.oscal.common import document_uuid, dump, metadata
from generator.renderers.oscal.component import component_body
from generator.renderers.oscal.mapping import mapping_body
from generator.renderers.traits import Output, Traits

CATALOG = Output(
    "oscal-catalog.json",
    "the framework as an OSCAL catalog: one control per security domain x deployment model, with its responsibility",
    "GRC and compliance-as-code tools (compliance-trestle)",
)
COMPONENT = Output(
    "oscal-component-definition.json",
    "an OSCAL component definition: one component per deployment model saying who implements each control "
    "of the catalog beside it",
    "GRC and compliance-as-code tools (compliance-trestle)",
)

MAPPINGS = Output(
    "oscal-mappings/",
    "OSCAL mapping collections, one per framework mapped (<framework id>.json): each domain's relationship "
    "to NIST AI RMF, ISO/IEC 42001, the EU AI Act, OWASP LLM Top 10 or MITRE ATLAS ids",
    "GRC and compliance-as-code tools (compliance-trestle)",
)


class Oscal:
    name = "oscal"
    description = (
        "<prefix>-oscal-catalog.json, -oscal-component-definition.json and oscal-mappings/: OSCAL for GRC tools"
    )
    traits = Traits(outputs=(CATALOG, COMPONENT, MAPPINGS), templates=())

    def render(self, ctx: RenderContext, out_dir: Path) -> list[Path]:
        fw, branding = ctx.framework, ctx.branding
        catalog = _document("catalog", metadata(fw, branding, ctx.build_time, "OSCAL catalog"), catalog_body(fw))
        roles_and_components = component_body(fw, f"./{ctx.file(CATALOG)}")
        meta = metadata(fw, branding, ctx.build_time, "OSCAL component definition")
        meta["roles"] += roles_and_components.pop("roles")
        component = _document("component-definition", meta, roles_and_components)
        written = [
            write_text(out_dir, ctx.file(CATALOG), dump({"catalog": catalog})),
            write_text(out_dir, ctx.file(COMPONENT), dump({"component-definition": component})),
        ]
        for walk in fw.mappings:
            ref = walk.reference
            meta = metadata(fw, branding, ctx.build_time, f"OSCAL mapping to {ref.short_name} {ref.version}")
            body = mapping_body(fw, walk, f"../{ctx.file(CATALOG)}")
            collection = _document(f"mapping-collection/{ref.id}", meta, body)
            written.append(write_text(out_dir, mapping_file(ref.id), dump({"mapping-collection": collection})))
        return written


def mapping_file(reference_id: str) -> str:
    """Return the path of the mapping collection to one reference framework."""
    return f"{MAPPINGS.stem}{reference_id}.json"


def _document(kind: str, meta: dict, body: dict) -> dict:
    """Put metadata and body under a uuid derived from everything but the build time."""
    undated = {key: value for key, value in meta.items() if key != "last-modified"}
    return {"uuid": document_uuid(kind, {"metadata": undated, **body}), "metadata": meta, **body}
