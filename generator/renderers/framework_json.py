"""The whole framework model as one JSON document."""

from __future__ import annotations

from pathlib import Path

from generator import __version__, json_text
from generator.changes import changes_view
from generator.renderers.base import RenderContext, write_text
from generator.renderers.traits import Output, Traits
from generator.template_context import edition_marking, plain

FRAMEWORK_JSON = Output(
    "framework.json",
    "the whole model, with the changes since the previous version",
    "tools and scripts",
    prefixed=False,
    beside=True,
)


class FrameworkJson:
    name = "json"
    description = "framework.json: the whole model"
    traits = Traits(outputs=(FRAMEWORK_JSON,), templates=())

    def render(self, ctx: RenderContext, out_dir: Path) -> list[Path]:
        fw = ctx.framework
        document = {
            "generator_version": __version__,
            "edition": edition_marking(fw, ctx.branding),
            **plain(fw),
            "cells": [{"id": c.id, **plain(c)} for c in fw.cells],
            "changes": changes_view(ctx.changes, fw),
        }
        text = json_text.dumps(document) + "\n"
        return [write_text(out_dir, ctx.file(FRAMEWORK_JSON), text)]
