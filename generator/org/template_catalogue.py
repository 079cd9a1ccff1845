"""`templates`: list every template an organisation may override, with the variables it receives."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jinja2
from jinja2 import meta

from generator.templating import TEMPLATES_DIR, make_environment

TEXT_SUFFIXES = (".j2",)
OFFICE_SUFFIXES = (".docx",)


@dataclass(frozen=True)
class TemplateInfo:
    name: str  # path relative to the templates folder, as overrides use it
    source: Path  # the file that would be used
    overridden: bool
    variables: tuple[str, ...]


def catalogue(override_dir: Path | None = None) -> list[TemplateInfo]:
    """Return every default template, the file that wins for it, and its free variables."""
    env = make_environment([override_dir] if override_dir else [])
    entries = []
    for path in sorted(TEMPLATES_DIR.rglob("*")):
        if not path.is_file() or not path.name.endswith(TEXT_SUFFIXES + OFFICE_SUFFIXES):
            continue
        name = path.relative_to(TEMPLATES_DIR).as_posix()
        override = override_dir / name if override_dir else None
        source = override if override and override.is_file() else path
        entries.append(TemplateInfo(name, source, source != path, _variables(env, name, source)))
    return entries


def _variables(env: jinja2.Environment, name: str, source: Path) -> tuple[str, ...]:
    if name.endswith(OFFICE_SUFFIXES):
        from docxtpl import DocxTemplate

        return tuple(sorted(DocxTemplate(source).get_undeclared_template_variables()))
    text = source.read_text(encoding="utf-8")
    return tuple(sorted(meta.find_undeclared_variables(env.parse(text))))
