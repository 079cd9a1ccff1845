"""Strict YAML reading that remembers where every value came from.

Anchors, aliases, explicit tags (`!!str`, `!!python/...`, `!foo`), nesting deeper than
MAX_DEPTH, lists or mappings longer than MAX_ENTRIES and duplicate keys are refused. All but
the last are refused while the file is parsed into events, before any tree is built, so a
billion-laughs file, a 10,000-deep list or a 17,000-item list costs no more than reading it.
Files are read through `generator.trust` (no FIFO, device or file over the size limit).
Scalars stay text except plain integers, `true`/`false` and empty values, so `NO` and `1.10`
keep their spelling.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator import trust
from generator.problems import Problem

if TYPE_CHECKING:
    import yaml

# PyYAML is imported by the functions that read YAML, when they first run: the poster's process,
# forked before the framework is loaded, reads none, so it does not wait for that import.

KeyPath = tuple[str | int, ...]
_CORE = "tag:yaml.org,2002:"
MAX_DEPTH = 32  # nested mappings and lists; the data needs fewer than ten
MAX_ENTRIES = 5_000  # entries of one mapping or list; the data's longest list has 128


@dataclass
class Document:
    """Plain data read from one YAML file, with the line of every key path."""

    path: Path
    data: Any
    lines: dict[KeyPath, int] = field(default_factory=dict)

    def line(self, key_path: KeyPath) -> int | None:
        """Return the line of the nearest located key path."""
        while key_path:
            if key_path in self.lines:
                return self.lines[key_path]
            key_path = key_path[:-1]
        return self.lines.get((), None)

    def problem(self, key_path: KeyPath, message: str) -> Problem:
        """Make a problem located at a key path of this document."""
        return Problem(self.path, self.line(key_path), format_key(key_path), message)


class YamlError(Exception):
    """A file could not be read as strict YAML; carries the problems."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(map(str, problems)))


def load_yaml(path: Path, *, trusted: bool = True, text: str | None = None) -> Document:
    """Read one YAML file into plain data, refusing what strict YAML forbids.

    An untrusted file (a profile's) must also not be a hard link to a file elsewhere. `text`,
    if given, is read as the file's new content instead of the file (import-raci checks an edit).
    """
    if text is not None:
        return _parse(path, text)
    try:
        text = trust.read_file(path, trust.MAX_TEXT_BYTES, trusted=trusted).decode("utf-8")
    except FileNotFoundError:
        raise YamlError([Problem(path, None, "", "file not found; create it or fix the path")]) from None
    except trust.Refused as exc:
        raise YamlError([Problem(path, None, "", str(exc))]) from None
    except OSError as exc:
        raise YamlError([Problem(path, None, "", f"cannot be read ({exc.strerror})")]) from None
    except UnicodeDecodeError as exc:
        raise YamlError([Problem(path, None, "", f"not UTF-8 text ({exc.reason}); save it as UTF-8")]) from None
    return _parse(path, text)


@cache
def _loader() -> type:
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # SafeLoader: PyYAML built without libyaml


def _parse(path: Path, text: str) -> Document:
    import yaml

    try:
        problems = _check_events(path, text)
        if problems:
            raise YamlError(problems)
        node = yaml.compose(text, Loader=_loader())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = " ".join(filter(None, [exc.context, exc.problem]))
        raise YamlError([Problem(path, line, "", f"malformed YAML: {what}")]) from None
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        message = f"holds the character U+{exc.character:04X}, which YAML does not allow; remove it"
        raise YamlError([Problem(path, line, "", message)]) from None
    except yaml.YAMLError as exc:
        raise YamlError([Problem(path, None, "", f"malformed YAML: {exc}")]) from None
    doc = Document(path, None)
    if node is None:
        raise YamlError([Problem(path, 1, "", "file is empty; expected a mapping of keys")])
    doc.data = _construct(node, (), doc, problems)
    if problems:
        raise YamlError(problems)
    return doc


def format_key(key_path: KeyPath) -> str:
    """Show a key path as `rows.data-privacy[3]`."""
    out = ""
    for part in key_path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _check_events(path: Path, text: str) -> list[Problem]:
    """Refuse aliases, anchors, explicit tags, deep nesting and long lists while parsing, before composing anything.

    Parsing stops at the first nesting problem; aliases, anchors and tags are all listed.
    """
    import yaml

    problems: list[Problem] = []
    frames: list[list] = []  # [entries so far, mapping?, current key] of each open mapping or list
    for event in yaml.parse(text, Loader=_loader()):
        line = event.start_mark.line + 1
        if frames and not isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            frame = frames[-1]
            if frame[1] and frame[0] % 2 == 0:  # a mapping's key
                frame[2] = getattr(event, "value", "?")
            frame[0] += 1
            if frame[0] > (2 if frame[1] else 1) * MAX_ENTRIES:
                where = format_key(tuple(f[2] if f[1] else f[0] - 1 for f in frames[:-1]))
                message = f"more than {MAX_ENTRIES:,} entries; keep the list or mapping shorter"
                problems.append(Problem(path, line, where, message))
                break
        if isinstance(event, yaml.AliasEvent):
            problems.append(Problem(path, line, "", f"alias *{event.anchor} is not allowed; write the value out"))
            continue
        if getattr(event, "anchor", None):
            problems.append(Problem(path, line, "", f"anchor &{event.anchor} is not allowed; remove it"))
        tag = getattr(event, "tag", None)
        if tag is not None:
            problems.append(Problem(path, line, "", f"tag {tag} is not allowed; remove it (values are plain text)"))
        if isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            frames.append([0, isinstance(event, yaml.MappingStartEvent), None])
            if len(frames) > MAX_DEPTH:
                problems.append(Problem(path, line, "", f"nested deeper than {MAX_DEPTH} levels; flatten it"))
                break
        elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            frames.pop()
    return problems


def _construct(node: yaml.Node, key_path: KeyPath, doc: Document, problems: list[Problem]) -> Any:
    import yaml

    doc.lines[key_path] = node.start_mark.line + 1
    if not node.tag.startswith(_CORE):
        problems.append(doc.problem(key_path, f"tag {node.tag} is not allowed; remove it"))
        return None
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(doc.problem(key_path, "keys must be plain text"))
                continue
            key = key_node.value
            if key in result:
                line = key_node.start_mark.line + 1
                first = doc.lines[(*key_path, key)]
                problems.append(
                    Problem(
                        doc.path, line, format_key((*key_path, key)), f"duplicate key (first at line {first}); keep one"
                    )
                )
                continue
            doc.lines[(*key_path, key)] = key_node.start_mark.line + 1
            result[key] = _construct(value_node, (*key_path, key), doc, problems)
            doc.lines[(*key_path, key)] = key_node.start_mark.line + 1
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_construct(item, (*key_path, i), doc, problems) for i, item in enumerate(node.value)]
    return _scalar(node)


def _scalar(node: yaml.ScalarNode) -> Any:
    tag, value = node.tag[len(_CORE) :], node.value
    if node.style:  # quoted or block scalars are always text
        return value
    if tag == "int" and value.lstrip("-").isdigit():
        return int(value)
    if tag == "bool" and value in ("true", "false"):
        return value == "true"
    if tag == "null" and value in ("", "~", "null"):
        return None
    return value
