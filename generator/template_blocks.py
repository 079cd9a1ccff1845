"""The blocks of a template, and the check that an extending override replaces only blocks its parent has.

Jinja ignores a block of a child template that its parent lacks, so a misspelt block name
would silently change nothing; the build refuses it instead, naming the file and line.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

import jinja2
from jinja2 import nodes

MAX_DEPTH = 8  # parents followed through `extends`


class UnknownBlockError(Exception):
    """An override replaces a block its parent does not have; the message names file, line and the blocks."""


def outer_blocks(ast: nodes.Template) -> list[nodes.Block]:
    """Return the blocks not inside another block, in order: the ones an extending template replaces."""
    return list(_outer(ast))


def block_names(env: jinja2.Environment, name: str, depth: int = 0) -> list[str]:
    """Return every block name of a template and of the templates it extends, in order of appearance."""
    source, _, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
    ast = env.parse(source, name)
    names = [block.name for block in ast.find_all(nodes.Block)]
    parent = extended(ast)
    if parent is not None and depth < MAX_DEPTH:
        names += [n for n in block_names(env, parent, depth + 1) if n not in names]
    return names


def extended(ast: nodes.Template) -> str | None:
    """Return the name of the template this one extends, when it is a literal name."""
    node = ast.find(nodes.Extends)
    if node is not None and isinstance(node.template, nodes.Const) and isinstance(node.template.value, str):
        return node.template.value
    return None


def check_blocks(env: jinja2.Environment, name: str) -> None:
    """Raise UnknownBlockError when the template found for `name` extends one and replaces a block it lacks."""
    source, filename, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
    if "extends" not in source:  # most templates: no need to parse them again
        return
    ast = env.parse(source, name, filename)
    parent = extended(ast)
    if parent is None:
        return
    known = block_names(env, parent)
    for block in outer_blocks(ast):
        if block.name not in known:
            close = difflib.get_close_matches(block.name, known, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise UnknownBlockError(
                f"template {filename}, line {block.lineno}: {parent} has no block {block.name!r}; {hint}"
                f"`templates --org` lists the blocks it has"
            )


def _outer(node: nodes.Node) -> Iterator[nodes.Block]:
    for child in node.iter_child_nodes():
        if isinstance(child, nodes.Block):
            yield child
        else:
            yield from _outer(child)
