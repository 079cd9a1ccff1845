"""Markdown documentation of the whole framework, from Jinja templates."""

from __future__ import annotations

from pathlib import Path

from generator.changes import changes_view
from generator.renderers.base import RenderContext, write_text
from generator.renderers.traits import Output, Traits
from generator.templating import render_template

PAGES = {
    "docs/index.md": "markdown/index.md.j2",
    "docs/deployment-models.md": "markdown/deployment-models.md.j2",
    "docs/security-domains.md": "markdown/security-domains.md.j2",
    "docs/responsibility-matrix.md": "markdown/responsibility-matrix.md.j2",
    "docs/obligations.md": "markdown/obligations.md.j2",
    "docs/changes.md": "markdown/changes.md.j2",
}
MODEL_PAGE = "markdown/model.md.j2"
MAPPING_PAGE = "markdown/mapping.md.j2"  # one page per mapped framework: docs/mappings/<framework id>.md
COMPONENTS_PAGE = ("docs/components.md", "markdown/components.md.j2")  # only for a framework with components


class MarkdownDocs:
    name = "markdown"
    description = "GitHub-flavoured Markdown pages in docs/"
    traits = Traits(
        outputs=(
            Output("docs/", "Markdown pages: start with `docs/index.md`, `docs/changes.md` says what changed", "all"),
        ),
        templates=("markdown",),
    )

    def render(self, ctx: RenderContext, out_dir: Path) -> list[Path]:
        fw = ctx.framework
        context = {**ctx.context, "changes": changes_view(ctx.changes, fw)}
        pages = {**PAGES, **dict([COMPONENTS_PAGE] if fw.components else [])}
        written = [
            write_text(out_dir, target, render_template(ctx.env, source, context)) for target, source in pages.items()
        ]
        for m in ctx.context["models"]:
            text = render_template(ctx.env, MODEL_PAGE, {**context, "model": m})
            written.append(write_text(out_dir, f"docs/models/{m['id']}.md", text))
        for mapping in ctx.context["mappings"]:
            text = render_template(ctx.env, MAPPING_PAGE, {**context, "mapping": mapping})
            written.append(write_text(out_dir, f"docs/mappings/{mapping['id']}.md", text))
        return written
