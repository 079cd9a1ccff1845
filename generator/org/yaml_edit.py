"""Edit a YAML file's text where its values stand, so every line not changed stays byte for byte.

Each edit finds the value's exact span through the parser's marks and splices new text there: a
byte order mark, CRLF line ends, flow collections, quoting and escapes, comments, indentation and a
`...` end marker all stay as they were. A new key goes under its mapping, after the last key that
comes before it in the mapping's documented order (so not under the comment of the key after it);
removing the last key of a mapping leaves `{}`, or removes the mapping too where asked.
The caller checks the result by parsing it again (`apply` does not).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

KeyPath = tuple[str | int, ...]
Value = str | dict[str, "Value"]


@dataclass(frozen=True)
class Set:
    """Set the value at `path`, making the mappings on the way as needed."""

    path: KeyPath
    value: Value


@dataclass(frozen=True)
class Delete:
    """Remove the key at `path`; a mapping left empty goes too while its path is longer than `keep`."""

    path: KeyPath
    keep: int = 1


class EditError(Exception):
    """The text cannot be edited in place at the place named."""


def apply(text: str, edits: Sequence[Set | Delete], orders: Mapping[KeyPath, Sequence[str]]) -> str:
    """Return `text` with each edit made in turn; `orders` gives a mapping's documented key order."""
    for edit in edits:
        # Pure Python, so marks count characters of `text`. It refuses a tab before a comment, which libyaml
        # (the profile's reader) allows: each tab read as a space keeps every mark where it is.
        root = yaml.compose(text.replace("\t", " "), Loader=yaml.SafeLoader)
        editor = _Editor(text, root, orders)
        text = editor.set(edit.path, edit.value) if isinstance(edit, Set) else editor.delete(edit.path, edit.keep)
    return text


def apply_to_data(data: Any, edits: Sequence[Set | Delete]) -> Any:
    """Make the same edits on plain data (what the edited text must read as)."""
    for edit in edits:
        *parents, last = edit.path
        chain = [data]
        for step in parents:
            node = chain[-1]
            if isinstance(step, str) and not isinstance(node.get(step), dict | list):
                node[step] = {}  # missing or empty (null)
            chain.append(node[step])
        if isinstance(edit, Set):
            chain[-1][last] = edit.value
            continue
        del chain[-1][last]
        for depth in range(len(parents), edit.keep, -1):
            if chain[depth]:
                break
            del chain[depth - 1][parents[depth - 1]]
    return data


class _Editor:
    def __init__(self, text: str, root: yaml.Node, orders: Mapping[KeyPath, Sequence[str]]):
        self.text, self.root, self.orders = text, root, orders
        self.eol = "\r\n" if "\r\n" in text else "\n"

    # --- finding ---------------------------------------------------------------------

    def walk(self, path: KeyPath) -> list[tuple[yaml.Node | None, yaml.Node]]:
        """Return (key node, value node) for each step of `path` that exists, the root first."""
        found: list[tuple[yaml.Node | None, yaml.Node]] = [(None, self.root)]
        for step in path:
            node = found[-1][1]
            if isinstance(step, int) and isinstance(node, yaml.SequenceNode) and step < len(node.value):
                found.append((None, node.value[step]))
            elif isinstance(step, str) and isinstance(node, yaml.MappingNode):
                pair = next(((k, v) for k, v in node.value if k.value == step), None)
                if pair is None:
                    break
                found.append(pair)
            else:
                break
        return found

    # --- setting ---------------------------------------------------------------------

    def set(self, path: KeyPath, value: Value) -> str:
        found = self.walk(path)
        key, node = found[-1]
        if len(found) == len(path) + 1:  # the key exists: replace its value
            if not isinstance(node, yaml.ScalarNode) or not isinstance(value, str):
                raise EditError(f"line {node.start_mark.line + 1}: cannot replace this value in place")
            start, end = node.start_mark.index, node.end_mark.index
            while end > start and self.text[end - 1] in "\r\n":  # a block scalar's line break
                end -= 1
            return self.splice(start, end, ("" if end > start else " ") + _scalar(value, node.style))  # `key:`
        rest = path[len(found) - 1 :]
        if not all(isinstance(step, str) for step in rest):
            raise EditError(f"line {node.start_mark.line + 1}: no item {rest[0]} in this list")
        new: Value = value
        for step in reversed(rest[1:]):
            new = {str(step): new}
        parent_path = path[: len(found) - 1]
        if isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null") and key is not None:
            return self.fill_null(key, node, str(rest[0]), new)
        if not isinstance(node, yaml.MappingNode):
            raise EditError(f"line {node.start_mark.line + 1}: expected a mapping here")
        if node.flow_style:
            return self.add_to_flow(key, node, str(rest[0]), new)
        return self.add_to_block(node, str(rest[0]), new, self.orders.get(parent_path, ()))

    def add_to_block(self, node: yaml.MappingNode, key: str, value: Value, order: Sequence[str]) -> str:
        column = node.value[0][0].start_mark.column
        rank = {k: i for i, k in enumerate(order)}
        before = [(k, v) for k, v in node.value if key in rank and k.value in rank and rank[k.value] < rank[key]]
        if key in rank and not before:  # the first in order: at the line of the first key
            at = self.line_start(node.value[0][0].start_mark.index)
        else:
            at = self.after_line(_last_end((before or node.value)[-1][1]))
        return self.insert_lines(at, _block(key, value, column, self.step(), self.eol))

    def add_to_flow(self, key_node: yaml.Node | None, node: yaml.MappingNode, key: str, value: Value) -> str:
        if node.value:
            end = node.value[-1][1].end_mark.index
            return self.splice(end, end, f", {key}: {_flow(value)}")
        if key_node is None or self.inside_flow(key_node):
            return self.splice(node.start_mark.index, node.end_mark.index, f"{{{key}: {_flow(value)}}}")
        # `key: {}` in a block mapping: the new entries go below it as a block
        block = _block(key, value, key_node.start_mark.column + self.step(), self.step(), self.eol)
        at = self.after_line(node.end_mark.index)
        text = self.text[:at] + self.lines_at(at, block) + self.text[at:]
        return text[: self.spaces_before(node.start_mark.index)] + text[node.end_mark.index :]

    def fill_null(self, key_node: yaml.Node, node: yaml.Node, key: str, value: Value) -> str:
        """`key:` with no value (or `~`, `null`) becomes a block mapping."""
        block = _block(key, value, key_node.start_mark.column + self.step(), self.step(), self.eol)
        at = self.after_line(max(node.end_mark.index, key_node.end_mark.index))
        text = self.text[:at] + self.lines_at(at, block) + self.text[at:]
        start, end = node.start_mark.index, node.end_mark.index
        return text[: self.spaces_before(start) if end > start else start] + text[end:]

    # --- deleting --------------------------------------------------------------------

    def delete(self, path: KeyPath, keep: int) -> str:
        found = self.walk(path)
        if len(found) != len(path) + 1:
            return self.text  # nothing there
        parent_key, parent = found[-2]
        key, node = found[-1]
        assert isinstance(parent, yaml.MappingNode) and key is not None
        if len(parent.value) == 1 and len(path) - 1 > keep:
            return self.delete(path[:-1], keep)
        i = next(i for i, (k, _) in enumerate(parent.value) if k is key)
        if parent.flow_style:
            if i + 1 < len(parent.value):
                return self.splice(key.start_mark.index, parent.value[i + 1][0].start_mark.index, "")
            start = parent.value[i - 1][1].end_mark.index if i else key.start_mark.index
            return self.splice(start, node.end_mark.index, "")
        start = self.line_start(key.start_mark.index)
        if self.text[start : key.start_mark.index].strip():
            raise EditError(f"line {key.start_mark.line + 1}: {key.value} does not start its line")
        text = self.splice(start, self.after_line(_last_end(node)), "")
        if len(parent.value) > 1 or parent_key is None:
            return text
        colon = text.index(":", parent_key.end_mark.index)  # the emptied mapping becomes {}
        return text[: colon + 1] + " {}" + text[colon + 1 :]

    # --- text ------------------------------------------------------------------------

    def splice(self, start: int, end: int, new: str) -> str:
        return self.text[:start] + new + self.text[end:]

    def insert_lines(self, at: int, lines: str) -> str:
        return self.text[:at] + self.lines_at(at, lines) + self.text[at:]

    def lines_at(self, at: int, lines: str) -> str:
        """Return `lines` ready to go at `at`: after a line break, even at the end of a file without one."""
        return lines if at == 0 or self.text[at - 1] == "\n" else self.eol + lines

    def spaces_before(self, index: int) -> int:
        """Return where the spaces before `index` on its line start."""
        while index > 0 and self.text[index - 1] in " \t":
            index -= 1
        return index

    def line_start(self, index: int) -> int:
        return self.text.rfind("\n", 0, index) + 1

    def after_line(self, index: int) -> int:
        """Return where the line holding `index` ends, past its line break (`index` itself at a line start)."""
        if index == 0 or self.text[index - 1] == "\n":
            return index
        end = self.text.find("\n", index)
        return len(self.text) if end < 0 else end + 1

    def inside_flow(self, key_node: yaml.Node) -> bool:
        return self.walk_parent_flow(self.root, key_node)

    def walk_parent_flow(self, node: yaml.Node, target: yaml.Node, flow: bool = False) -> bool:
        if node is target:
            return flow
        if isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        else:
            return False
        inner = flow or bool(node.flow_style)
        return any(self.walk_parent_flow(child, target, inner) for child in children)

    def step(self) -> int:
        """Return the document's indentation step: that of its first nested block mapping, else 2."""
        for _, value in self.root.value if isinstance(self.root, yaml.MappingNode) else ():
            if isinstance(value, yaml.MappingNode) and not value.flow_style and value.value:
                return value.value[0][0].start_mark.column or 2
        return 2


def _last_end(node: yaml.Node) -> int:
    """Return where a value's own text ends (a block collection: its last item's)."""
    if isinstance(node, yaml.MappingNode) and not node.flow_style and node.value:
        return _last_end(node.value[-1][1])
    if isinstance(node, yaml.SequenceNode) and not node.flow_style and node.value:
        return _last_end(node.value[-1])
    return node.end_mark.index


def _block(key: str, value: Value, column: int, step: int, eol: str) -> str:
    pad = " " * column
    if isinstance(value, str):
        return f"{pad}{key}: {_scalar(value)}{eol}"
    return f"{pad}{key}:{eol}" + "".join(_block(k, v, column + step, step, eol) for k, v in value.items())


def _flow(value: Value) -> str:
    if isinstance(value, str):
        return _scalar(value)
    return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"


_SPECIAL_START = set("-?:,[]{}#&*!|>'\"%@`")


def _scalar(value: str, style: str | None = None) -> str:
    """Write text as the old value was written: plain where YAML reads it back unchanged, else quoted."""
    if style == "'" and "\n" not in value:
        return "'" + value.replace("'", "''") + "'"
    if style is None and _plain(value):
        return value
    return json.dumps(value, ensure_ascii=False)  # JSON's escapes are YAML double-quoted escapes


def _plain(value: str) -> bool:
    if not value or value != value.strip() or value[0] in _SPECIAL_START or re.search(r": |:$| #|[\x00-\x1f]", value):
        return False
    try:
        return yaml.safe_load(f"k: {value}") == {"k": value}
    except yaml.YAMLError:
        return False
