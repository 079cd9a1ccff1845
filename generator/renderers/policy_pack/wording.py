"""The policy's wording: templates/word/policy.xml.j2, rendered in the sandbox, read back as headings, paragraphs
and tables.

The template (or a profile's override of it) writes a small XML vocabulary, documented at its top;
values are escaped, so a name never becomes markup. What it says becomes `Block`s, and only these,
so an override can change every sentence but cannot break the document's structure or styles.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from string import ascii_uppercase

from lxml import etree

from generator.changes import changes_view
from generator.model import Framework
from generator.ooxml import xml_safe
from generator.renderers.base import RenderContext
from generator.renderers.policy_pack import content as pt
from generator.renderers.policy_pack.word_writer import BULLET, STRONG, Run
from generator.tables import DUTIES
from generator.template_context import plain
from generator.templating import render_template

TEMPLATE = "word/policy.xml.j2"
INTENSE = "Intense Emphasis"
HEADINGS = {"h1": 1, "h2": 2, "h3": 3}
PARAGRAPHS = {"p": None, "li": BULLET, "caption": "Caption"}
RUNS = {"b": STRONG, "critical": INTENSE}


@dataclass(frozen=True)
class TableSpec:
    """What the wording gives a table: its header cells (<th>), and whether it takes a model, duty texts or rows."""

    headers: int  # the <th> cells the wording writes; the others are the model's names (roles, models)
    model: bool = False  # model="ID": the table of one deployment model
    duties: bool = False  # <duty name="operate">...</duty> for each kind of duty: the cell text of that duty
    rows: bool = False  # <tr><td>term</td><td>meaning</td></tr>: rows the wording writes (the glossary)
    reference: bool = False  # reference="ID": the crosswalk to one reference framework
    row: bool = False  # row="ID": the components of one matrix row


TABLES = {
    "document-control": TableSpec(2),
    "version-history": TableSpec(4),
    "approval": TableSpec(4),
    "responsibility-levels": TableSpec(3, duties=True),
    "roles": TableSpec(2),
    "raci": TableSpec(1),
    "obligations": TableSpec(4, model=True),
    "annex": TableSpec(5, model=True, duties=True),
    "mapping": TableSpec(5, reference=True),
    "full-matrix": TableSpec(1),
    "components": TableSpec(1, row=True),
    "glossary": TableSpec(2, rows=True),
    "changed-cells": TableSpec(5),
    "changed-models-and-domains": TableSpec(6),
}
_OPENED_ON = re.compile(r"^Opening and ending tag mismatch: \w+ line (\d+) and policy")
_SPACE = re.compile(r"[ \t\r\n]+")  # XML white space; a no-break space stays


class WordingError(Exception):
    """The wording template rendered something that is not the policy's markup; the message names file and line."""


@dataclass(frozen=True)
class Heading:
    text: str
    level: int


@dataclass(frozen=True)
class Paragraph:
    runs: tuple[Run, ...]
    style: str | None = None


@dataclass(frozen=True)
class Table:
    name: str
    headers: tuple[str, ...]
    model_id: str | None = None
    duties: tuple[tuple[str, str], ...] = field(default=())  # (kind of duty, its text)
    rows: tuple[tuple[str, str], ...] = field(default=())
    reference_id: str | None = None
    row_id: str | None = None

    def duty(self, kind: str) -> str:
        return dict(self.duties)[kind]


Block = Heading | Paragraph | Table


def render_wording(ctx: RenderContext, control: pt.PolicyControl, policies: tuple[pt.DomainPolicy, ...]) -> list[Block]:
    """Render the wording template for this edition; return its blocks."""
    text = render_template(ctx.env, TEMPLATE, {**ctx.context, "policy": policy_view(ctx, control, policies)})
    fw = ctx.framework
    references = {walk.reference.id for walk in fw.mappings}
    rows = set(fw.components.tables) if fw.components else set()
    return parse(text, str(ctx.search_path.find(TEMPLATE)), {m.id for m in fw.models}, references, rows)


def policy_view(ctx: RenderContext, control: pt.PolicyControl, policies: tuple[pt.DomainPolicy, ...]) -> dict:
    """Return the policy's own facts as plain data: document control, statements per domain, annexes, appendices."""
    fw = ctx.framework
    models = ctx.context["models_by_id"]
    return {
        "control": {
            **plain(control),
            "issued": control.issued.isoformat(),
            "next_review": control.next_review.isoformat(),
        },
        "domains": [
            {
                "id": p.domain.id,
                "heading": pt.domain_heading(p.domain),
                "focus": p.domain.focus,
                "description": p.domain.description,
                "accountable": p.accountable.name,
                "responsible": [r.name for r in p.responsible],
                "statements": plain(p.statements),
            }
            for p in policies
        ],
        "headings": {d.id: pt.domain_heading(d) for d in fw.domains},
        "annexes": [
            {"letter": letter, "model": models[m.id]} for letter, m in zip(ascii_uppercase, fw.models, strict=False)
        ],
        "mapping_annexes": [  # lettered after the deployment models' annexes
            {"letter": letter, "reference": plain(dataclasses.replace(walk.reference, items=()))}
            for letter, walk in zip(ascii_uppercase[len(fw.models) :], fw.mappings, strict=False)
        ],
        "components_annex": _components_annex(fw, ascii_uppercase[len(fw.models) + len(fw.mappings) :]),
        "levels_by_duty": {
            kind: [v.label for v in fw.info.levels if kind in pt.level_duties(fw, v)] for kind in DUTIES
        },
        "out_of_scope_appendix": pt.OUT_OF_SCOPE_APPENDIX,
        "changes_appendix": pt.changes_appendix_name(fw),
        "changes": changes_view(ctx.changes, fw),
    }


def _components_annex(fw: Framework, letters: str) -> dict | None:
    """The components annex, lettered after the mapping annexes, with its rows in matrix order; None without one."""
    if fw.components is None or not letters:
        return None
    rows = [{"id": d.id, "heading": pt.domain_heading(d)} for d in fw.domains if d.id in fw.components.tables]
    return {"letter": letters[0], **plain(fw.components), "rows": rows}


def parse(
    text: str,
    template: str,
    model_ids: set[str],
    reference_ids: AbstractSet[str] = frozenset(),
    row_ids: AbstractSet[str] = frozenset(),
) -> list[Block]:
    """Read the rendered wording; raise WordingError naming the template and the line of its output."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True)
    try:
        root = etree.fromstring(f"<policy>{xml_safe(text)}</policy>".encode(), parser)  # same line numbers as output
    except etree.XMLSyntaxError as exc:
        # An unclosed tag is found where its parent closes: name the line that opened it, with its text.
        opened = _OPENED_ON.search(exc.msg or "")
        line = int(opened[1]) if opened else exc.lineno or 1
        near = text.split("\n")[line - 1].strip()[:60] if line <= text.count("\n") + 1 else ""
        raise WordingError(
            f"template {template}: line {line} of its output ({near!r}) is not well-formed ({(exc.msg or '').strip()});"
            " close every tag you open and write & < > in text as &amp; &lt; &gt;"
        ) from None
    blocks = []
    _no_text(root.text, root, template, "before the first element")
    for element in root:
        blocks.append(_block(element, template, model_ids, reference_ids, row_ids))
        _no_text(element.tail, element, template, f"after <{element.tag}>")
    return blocks


def _block(
    element, template: str, model_ids: set[str], reference_ids: AbstractSet[str], row_ids: AbstractSet[str]
) -> Block:
    tag = element.tag
    if not isinstance(tag, str):  # a processing instruction
        raise _error(element, template, "holds a processing instruction; remove it")
    if tag in HEADINGS:
        _no_children(element, template)
        return Heading(_collapse([element.text or ""])[0], HEADINGS[tag])
    if tag in PARAGRAPHS:
        return Paragraph(_runs(element, template), PARAGRAPHS[tag])
    if tag == "table":
        return _table(element, template, model_ids, reference_ids, row_ids)
    known = ", ".join(f"<{t}>" for t in (*HEADINGS, *PARAGRAPHS, "table"))
    raise _error(element, template, f"<{tag}> is not policy markup; use {known}")


def _runs(element, template: str) -> tuple[Run, ...]:
    runs: list[tuple[str, str | None]] = [(element.text or "", None)]
    for child in element:
        if child.tag not in RUNS:
            raise _error(child, template, f"<{child.tag}> cannot be inside <{element.tag}>; use <b> or <critical>")
        _no_children(child, template)
        runs += [(child.text or "", RUNS[child.tag]), (child.tail or "", None)]
    texts = _collapse([text for text, _ in runs])
    return tuple(text if style is None else (text, style) for text, (_, style) in zip(texts, runs, strict=True) if text)


def _table(
    element, template: str, model_ids: set[str], reference_ids: AbstractSet[str], row_ids: AbstractSet[str]
) -> Table:
    name, model_id, reference_id = element.get("name"), element.get("model"), element.get("reference")
    row_id = element.get("row")
    spec = TABLES.get(name)
    if spec is None:
        raise _error(element, template, f"<table name={name!r}> is unknown; the tables are {', '.join(TABLES)}")
    if spec.model and model_id not in model_ids:
        raise _error(
            element,
            template,
            f"<table name={name!r}> needs model= one of this edition's models ({', '.join(sorted(model_ids))})",
        )
    if spec.reference and reference_id not in reference_ids:
        known = ", ".join(sorted(reference_ids)) or "none in this edition"
        raise _error(
            element, template, f"<table name={name!r}> needs reference= one of the mapped frameworks ({known})"
        )
    if spec.row and row_id not in row_ids:
        known = ", ".join(sorted(row_ids)) or "none in this edition"
        raise _error(element, template, f"<table name={name!r}> needs row= one of the rows with components ({known})")
    headers, duties, rows = [], {}, []
    for child in element:
        if child.tag == "th":
            headers.append(_text(child, template))
        elif child.tag == "duty" and spec.duties and child.get("name") in DUTIES:
            duties[child.get("name")] = _text(child, template)
        elif child.tag == "tr" and spec.rows and [c.tag for c in child] == ["td", "td"]:
            term, meaning = (_text(cell, template) for cell in child)
            rows.append((term, meaning))
        else:
            raise _error(child, template, f"<table name={name!r}> holds {_contents(spec)}, not <{child.tag}>")
    if len(headers) != spec.headers or (spec.duties and len(duties) != len(DUTIES)):
        raise _error(element, template, f"<table name={name!r}> holds {_contents(spec)}")
    reference = reference_id if spec.reference else None
    row = row_id if spec.row else None
    model = model_id if spec.model else None
    return Table(name, tuple(headers), model, tuple(duties.items()), tuple(rows), reference, row)


def _contents(spec: TableSpec) -> str:
    """Say what a table's element holds."""
    parts = [f"{spec.headers} <th> header cell{'s' if spec.headers > 1 else ''}"]
    if spec.duties:
        parts.append(f"a <duty name=...> for each of {', '.join(DUTIES)}")
    if spec.rows:
        parts.append("rows <tr><td>term</td><td>meaning</td></tr>")
    return " and ".join(parts)


def _text(element, template: str) -> str:
    _no_children(element, template)
    return _collapse([element.text or ""])[0]


def _collapse(texts: list[str]) -> list[str]:
    """Join white space into one space across consecutive runs, and trim the ends, as a browser shows HTML."""
    result, spaced = [], True  # at the start, a space is dropped
    for text in texts:
        text = _SPACE.sub(" ", text)
        if spaced:
            text = text.lstrip(" ")
        if text:
            spaced = text.endswith(" ")
        result.append(text)
    for n in range(len(result) - 1, -1, -1):
        stripped = result[n].rstrip(" ")
        result[n] = stripped
        if stripped:
            break
    return result


def _no_text(text: str | None, element, template: str, where: str) -> None:
    if text and text.strip():
        raise _error(element, template, f"text {text.strip()[:40]!r} {where} is outside any element; put it in <p>")


def _no_children(element, template: str) -> None:
    if len(element):
        raise _error(element[0], template, f"<{element[0].tag}> cannot be inside <{element.tag}>; write plain text")


def _error(element, template: str, problem: str) -> WordingError:
    return WordingError(f"template {template}: line {element.sourceline} of its output: {problem}")
