"""The explorer page: its data as JSON, its inline stylesheet and script, the policy that admits only them."""

from __future__ import annotations

import base64
import hashlib
import json
import re

from markupsafe import Markup

from generator import model
from generator.changes import changes_view
from generator.org.branding import contrast_ratio
from generator.renderers.base import RenderContext
from generator.tables import responsibility_columns, responsibility_rows
from generator.templating import DEFAULT_PREFIX, TEMPLATES_DIR, TemplateRenderError, render_template

PAGE = "explorer/explorer.html.j2"  # the project's own, never overridden: it holds the policy
SCRIPT = "explorer/explorer.js"  # the project's own, never overridden: the policy admits it; rendered by script_context
STYLE = "explorer/explorer.css.j2"  # an organisation may restyle the page
TEXTS = "explorer/texts.j2"  # an organisation may reword the page: every text is shown as plain text
# In JSON inside <script>: nothing may close the element, open a comment or end a JavaScript line.
_JSON_ESCAPES = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))
_TEXT_SEPARATOR = re.compile(r"^§§ (\w+)$", re.MULTILINE)
TEXT_NAMES = ("title", "heading", "subtitle", "intro", "own_heading", "own_intro", "footer")


def page_data(ctx: RenderContext) -> dict:
    """Return everything the page's script shows, as plain data."""
    fw, branding = ctx.framework, ctx.branding
    changes = changes_view(ctx.changes, fw)
    data: dict = {
        "file_prefix": branding.file_prefix,
        "marker": fw.info.critical_marker,
        "ai_mark": model.AI_SPECIFIC_MARK,
        "parties": {p.id: p.name for p in fw.info.parties},
        "levels": [
            {
                "id": v.id,
                "label": v.label,
                "definition": v.definition,
                "customer": fw.info.audience in v.owners,  # the audience (by default the customer) carries it
            }
            for v in fw.info.levels
        ],
        "models": [{"id": m.id, "name": m.name, "short_name": m.short_name} for m in fw.models],
        "domains": [
            {
                "id": d.id,
                "number": d.number,
                "name": d.name,
                "label": d.label,
                "ai_specific": d.ai_specific,
                "focus": d.focus,
                "description": d.description,
            }
            for d in fw.domains
        ],
        "roles": [r.name for r in fw.roles],
        "raci": {
            row.domain_id: {"letters": [row.letters[r.id] for r in fw.roles], "rationale": row.rationale}
            for row in fw.raci
        },
        "columns": list(responsibility_columns(fw)),
        "rows": [list(row.values()) for row in responsibility_rows(fw)],  # in responsibility_columns order
        # The filter by a mapped framework's target id: each target with the domains that map to it.
        "mappings": [
            {
                "id": w.reference.id,
                "name": f"{w.reference.short_name} {w.reference.version}",
                "targets": [
                    {"id": t.id, "title": t.title, "domains": [d.id for d in fw.domains if t.id in w.target_ids(d.id)]}
                    for t in w.reference.items
                    if any(t.id in w.target_ids(d.id) for d in fw.domains)
                ],
            }
            for w in fw.mappings
        ],
        "changes": {
            "previous_version": changes["previous_version"],
            "summary": changes["summary"],
            "cells": {c["cell_id"]: c["before"] for c in changes["cells"]},
        },
        # An organisation's edition holds only its models: "What do we own" starts with all of them picked.
        "own_default": [m.id for m in fw.models] if branding.organisation else [],
    }
    if fw.info.per_party:  # a level per party: the long table has a row per cell and party
        data.update(audience=fw.info.audience, value_parties=list(fw.info.cell_parties))
    return data


def script_context(fw: model.Framework) -> dict:
    """What the script is rendered with: the cells' shape and the words of the axes (written in with tojson)."""

    def words(axis: model.Axis) -> dict:
        return {"name": axis.name, "plural": axis.plural, "term": axis.term, "noun": axis.noun, "nouns": axis.nouns}

    axes = fw.info.axes
    return {"per_party": fw.info.per_party, "axes": {"rows": words(axes.rows), "columns": words(axes.columns)}}


def script_json(value: object) -> str:
    """Serialise `value` as JSON that is safe inside a <script> element: no `<`, `>`, `&`, U+2028 or U+2029."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=False)
    for character, escape in _JSON_ESCAPES:  # str.replace: many times faster than str.translate here
        text = text.replace(character, escape)
    return text


def csp_hash(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def policy(style: str, script: str) -> str:
    """The page's Content-Security-Policy: its one stylesheet and script, data: images; nothing else, no requests."""
    return (
        f"default-src 'none'; script-src '{csp_hash(script)}'; style-src '{csp_hash(style)}'; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )


def _inline(text: str, element: str, template: str) -> str:
    """Refuse a stylesheet or script that could end its element early; return it unchanged."""
    if re.search(rf"</{element}|<!--", text, re.IGNORECASE):
        raise TemplateRenderError(f"template {template}: must not contain '</{element}' or '<!--'")
    return text


def texts(ctx: RenderContext) -> dict[str, str]:
    """Render the page's wording (`explorer/texts.j2`): each text on one line, plain text, by name."""
    pieces = _TEXT_SEPARATOR.split(render_template(ctx.env, TEXTS, ctx.context))
    found = dict(zip(pieces[1::2], (" ".join(p.split()) for p in pieces[2::2]), strict=True))
    if tuple(found) != TEXT_NAMES:
        raise TemplateRenderError(
            f"template {TEXTS}: must hold the texts {', '.join(TEXT_NAMES)} in this order, each after its own "
            "'§§ name' line; extend the default and override its blocks"
        )
    return found


def _own_template(ctx: RenderContext, name: str) -> str:
    """Return the project's template `name`, refusing an organisation's override of it."""
    path = ctx.search_path.find(name)
    if not path.is_relative_to(TEMPLATES_DIR):
        raise TemplateRenderError(
            f"template {path}: the explorer's page and script cannot be overridden (they carry its security "
            f"policy); reword the page in {TEXTS} or restyle it in {STYLE}"
        )
    return DEFAULT_PREFIX + name


def header_text(primary: str) -> str:
    """The text colour on the header's primary colour: white when it meets WCAG AA (4.5:1), else black."""
    return "#FFFFFF" if contrast_ratio(primary, "#FFFFFF") >= 4.5 else "#000000"


def render_page(ctx: RenderContext) -> str:
    """Render the page: the project's page and script, the edition's style and texts, the policy admitting them."""
    branding = ctx.branding
    colours = branding.level_colours(ctx.framework.info.level_ids)
    look = {
        "primary": branding.primary,
        "on_primary": header_text(branding.primary),
        "levels": [{"id": level_id, "fill": c.fill, "text": c.text} for level_id, c in colours.items()],
    }
    style = _inline(render_template(ctx.env, STYLE, {**ctx.context, "look": look}), "style", STYLE)
    script = _inline(
        render_template(ctx.env, _own_template(ctx, SCRIPT), script_context(ctx.framework)), "script", SCRIPT
    )
    csp = policy(style, script)
    context = {
        **ctx.context,
        "csp_meta": Markup(f'<meta http-equiv="Content-Security-Policy" content="{csp}">'),
        "style": Markup(style),
        "script": Markup(script),
        "data": Markup(script_json(page_data(ctx))),
        "logo": branding.logo.raster_data_url() if branding.logo else None,
        "texts": texts(ctx),
    }
    return render_template(ctx.env, _own_template(ctx, PAGE), context)
