"""`templates`: list every template an organisation may override, with the variables it receives and its blocks."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import jinja2
from jinja2 import meta, nodes

from generator.search_path import DEFAULT_PREFIX, TEMPLATES_DIR, SearchPath, TemplateOutsideError
from generator.template_blocks import UnknownBlockError, block_names, check_blocks, extended, outer_blocks
from generator.templating import make_environment

TEXT_SUFFIXES = (".j2",)
OFFICE_SUFFIXES = (".docx",)


class CatalogueError(Exception):
    """An override cannot be listed (refused, unreadable or broken); the message names the file."""


@dataclass(frozen=True)
class TemplateInfo:
    name: str  # path relative to the templates folder, as overrides use it
    source: Path  # the file that would be used
    overridden: bool
    variables: tuple[str, ...]
    blocks: tuple[str, ...] = ()  # the default's blocks, which an extending override may replace
    overridden_blocks: tuple[str, ...] = ()  # the blocks the profile's override replaces


def catalogue(search_path: SearchPath | None = None) -> list[TemplateInfo]:
    """Return every default template, the file that wins for it on the search path, and its free variables."""
    search_path = search_path or SearchPath()
    env = make_environment(search_path)
    entries = []
    for path in sorted(TEMPLATES_DIR.rglob("*")):
        if not path.is_file() or not path.name.endswith(TEXT_SUFFIXES + OFFICE_SUFFIXES):
            continue
        name = path.relative_to(TEMPLATES_DIR).as_posix()
        try:
            source, data = search_path.read(name)
            variables = _variables(env, name, data)
            blocks, replaced = _blocks(env, name, data) if name.endswith(TEXT_SUFFIXES) else ((), ())
        except (TemplateOutsideError, UnknownBlockError) as exc:
            raise CatalogueError(str(exc)) from None
        except Exception as exc:  # a broken override of any kind
            raise CatalogueError(f"template {search_path.find(name)}: cannot be read ({_reason(exc)})") from None
        entries.append(TemplateInfo(name, source, source != path, variables, blocks, replaced))
    return entries


def _blocks(env: jinja2.Environment, name: str, data: bytes) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Return the default's blocks and the ones the template found for `name` replaces (refusing unknown ones)."""
    default = tuple(block_names(env, DEFAULT_PREFIX + name))
    check_blocks(env, name)
    ast = env.parse(data.decode("utf-8"))
    if extended(ast) is None:
        return default, ()
    return default, tuple(block.name for block in outer_blocks(ast))


def _variables(env: jinja2.Environment, name: str, data: bytes) -> tuple[str, ...]:
    if name.endswith(OFFICE_SUFFIXES):
        from docxtpl import DocxTemplate

        from generator.renderers.policy_pack.template_check import check_word_template

        check_word_template(data, name)
        return tuple(sorted(DocxTemplate(io.BytesIO(data)).get_undeclared_template_variables()))
    ast = env.parse(data.decode("utf-8"))
    # A block is its own scope, so names set outside it look undeclared inside: leave out every name the template sets.
    assigned = {node.name for node in ast.find_all(nodes.Name) if node.ctx in ("store", "param")}
    assigned |= {node.name for node in ast.find_all(nodes.Macro)}
    return tuple(sorted(meta.find_undeclared_variables(ast) - assigned))


def _reason(exc: Exception) -> str:
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return f"line {exc.lineno}: {exc.message}"
    return str(exc) or type(exc).__name__
