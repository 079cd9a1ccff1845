"""What every renderer receives and promises."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

import jinja2

from generator.changes import Changes
from generator.model import Framework
from generator.naming import Naming
from generator.org.branding import Branding
from generator.renderers.traits import Output
from generator.search_path import SearchPath


@dataclass(frozen=True)
class RenderContext:
    """Everything a renderer may use, built once per build."""

    framework: Framework
    build_time: datetime
    env: jinja2.Environment
    context: dict  # the plain template context (template_context.template_context)
    branding: Branding = field(default_factory=Branding)
    search_path: SearchPath = field(default_factory=SearchPath)  # template and asset folders, overrides first
    changes: Changes | None = None  # against the previous framework version; None when there is none
    naming: Naming | None = None  # where the files go (a release: versioned names); None: a build folder

    def file(self, output: Output) -> str:
        """Return the name `output` has where this build goes: write it, and refer to it, by this name."""
        return (self.naming or Naming(self.branding.file_prefix)).file(output)


class Renderer(Protocol):
    """One output format. `render` writes into `out_dir` and returns the relative paths written.

    A renderer may also declare `traits` (`generator.renderers.traits.Traits`): its files with what
    they are and for whom, the templates it reads, whether it renders in a process of its own.
    """

    name: str
    description: str

    def render(self, ctx: RenderContext, out_dir: Path) -> list[Path]: ...


def write_text(out_dir: Path, relative: str, text: str) -> Path:
    """Write UTF-8 text with LF newlines under `out_dir`; return the relative path."""
    path = out_dir / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
    return Path(relative)
