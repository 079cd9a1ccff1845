"""The Word policy pack of the test-only framework tri-party-demo, read back with python-docx: every party's
level in the matrix and annex tables (with its colours), the critical marks, the axis and party names, the
statements from the tenant's duty and level, and the components annex."""

from __future__ import annotations

import docx
import pytest
from docx.document import Document
from docx.oxml.ns import qn
from docx.table import Table

from generator.edition import make_edition
from generator.org.branding import Branding
from generator.pipeline import build
from tests.test_any_framework import CRITICAL, EXPECTED, PARTY_NAMES
from tests.test_policy_pack import blocks, rows, section, split, text_of

LAYERS = {"usage": "1. Usage layer", "runtime": "2. Runtime layer", "model-core": "3. Model core layer ★"}
MODELS = {"dedicated": "Dedicated", "pooled": "Pooled"}
LEVELS = {"L": "Leads", "As": "Assists", "Au": "Audits", "-": "Uninvolved"}  # short -> label, as in level.yaml
BY_NAME = {name: party for party, name in PARTY_NAMES.items()}
LEVEL_IDS = ("leads", "assists", "audits", "uninvolved")  # legend order: the order the default colours go by


@pytest.fixture(scope="module")
def doc(tmp_path_factory, tri_framework) -> Document:
    out = tmp_path_factory.mktemp("tri-docx")
    build(make_edition(tri_framework, only=["docx"]), out)
    return docx.Document(next(out.glob("*policy.docx")))


def tables_under(doc: Document, heading: str, level: int = 1) -> list[Table]:
    return [b for style, b in section(doc, heading, level) if style == "table"]


def party_lines(cell) -> tuple[dict[str, str], list[bool], list[str]]:
    """Read a per-party cell: party id -> the text after "Name: ", which lines end in the marker, their fills."""
    values, marked, fills = {}, [], []
    for p in cell.paragraphs:
        name, _, value = p.text.partition(": ")
        marked.append(value.endswith("!"))
        values[BY_NAME[name]] = value.removesuffix("!")
        fills.append(p._p.pPr.find(qn("w:shd")).get(qn("w:fill")))
    return values, marked, fills


def check_cells(table: Table, column_of: dict[str, int], row_of: dict[str, int], label) -> int:
    """Check every party's level, the critical mark on the cell's last line and each line's fill; count values."""
    palette = Branding().level_colours(LEVEL_IDS)
    seen = 0
    for (layer, model), expected in EXPECTED.items():
        cell = table.rows[row_of[layer]].cells[column_of[model]]
        values, marked, fills = party_lines(cell)
        assert {party: label(v) for party, v in values.items()} == expected
        assert list(values) == list(PARTY_NAMES)  # in the framework's party order
        assert marked == [False, False, (layer, model) in CRITICAL]
        assert fills == [palette[expected[p].lower()].fill.lstrip("#").upper() for p in PARTY_NAMES]
        seen += len(values)
    return seen


def test_the_full_matrix_holds_every_party_level_marked_and_coloured(doc):
    part = section(doc, "Appendix 1: Full responsibility matrix", 1)
    table = next(b for style, b in part if style == "table")
    header = rows(table)[0]
    assert header == ["Layer", "Dedicated", "Pooled"]
    row_of = {layer: [r[0] for r in rows(table)].index(heading) for layer, heading in LAYERS.items()}
    column_of = {model: header.index(short) for model, short in MODELS.items()}
    assert check_cells(table, column_of, row_of, LEVELS.__getitem__) == 18
    key = text_of(part)
    assert "Key: L = Leads; As = Assists; Au = Audits; - = Uninvolved; ! = critical focus area" in key
    assert "AI-specific layer" in key and "Who owns each layer in each operating model" in key


@pytest.mark.parametrize("letter,model", [("A", "dedicated"), ("B", "pooled")])
def test_each_annex_lists_the_parties_levels_of_its_operating_model(doc, letter, model):
    table = tables_under(doc, f"Annex {letter}: ")[0]
    assert rows(table)[0] == ["Layer", "Level", "Organisation's duty", "Statement", "Accountable role"]
    row_of = {layer: [r[0] for r in rows(table)].index(heading) for layer, heading in LAYERS.items()}
    only = {key: value for key, value in EXPECTED.items() if key[1] == model}
    checked = 0
    for (layer, m), expected in only.items():
        values, marked, _ = party_lines(table.rows[row_of[layer]].cells[1])
        assert values == expected and marked[-1] == ((layer, m) in CRITICAL)
        checked += len(values)
    assert checked == 9
    duties = {layer: rows(table)[row_of[layer]][2] for layer in LAYERS}
    assert duties == {"usage": "Do its part, confirm", "runtime": "Obtain assurance", "model-core": "Obtain assurance"}


def test_statements_follow_the_tenants_level_and_name_the_other_parties(doc):
    layers = split(section(doc, "Policy statements", 1), 2)
    assert list(layers) == list(LAYERS.values())
    headings = {
        layer: [b.text for style, b in layers[heading] if style == "Heading 3"] for layer, heading in LAYERS.items()
    }
    assert headings == {
        "usage": ["1.1 Shared with the host (Leads)"],
        "runtime": ["2.1 Assured from the host and the vendor (Audits)", "2.2 Assured from the host (Uninvolved)"],
        "model-core": [
            "3.1 Assured from the host and the vendor (Audits)",
            "3.2 Assured from the host and the vendor (Uninvolved)",
        ],
    }
    # Each cell's statement names the tenant's own level and the operating model.
    for (layer, model), expected in EXPECTED.items():
        text = text_of(layers[LAYERS[layer]])
        assert f"({expected['tenant']})" in text and MODELS[model] in text
    usage = text_of(layers[LAYERS["usage"]])
    assert "responsibility is shared with the host." in usage and "that the host carries out its part" in usage
    assert "Critical focus: Dedicated is a critical focus area of this layer." in usage
    assert "the host and the vendor own this layer" in text_of(layers[LAYERS["runtime"]])


def test_the_axes_parties_and_levels_are_named_from_the_model(doc):
    texts = [b.text for style, b in blocks(doc) if style != "table"]
    headers = [rows(b)[0] for style, b in blocks(doc) if style == "table"]
    assert ["Layer", "Service Owner", "Operations Lead"] in headers  # the RACI
    assert ["Layer", "Level", "Accountable", "Responsible"] in headers  # the obligations
    every = " ".join(texts) + " ".join(" ".join(h) for h in headers if h[0] != "Term")  # all but the glossary
    for default_word in ("Security domain", "security domain", "Deployment model", "deployment model", "Customer"):
        assert default_word not in every
    assert "the framework's tenant; the other parties are the host" in every
    assert "For each layer and each operating model in scope" in every
    assert "The framework gives each of Tenant, Host and Vendor, in each layer and each operating model" in every
    assert "An operating model not listed here" in every
    levels = next(b for style, b in section(doc, "Responsibility levels", 2) if style == "table")
    assert [r[0] for r in rows(levels)[1:]] == list(LEVELS.values())
    obligations = section(doc, "Our obligations", 1)
    assert "alone or with the host and the vendor (Leads, Assists), across the 2 operating models" in text_of(
        obligations
    )
    marks = [r[1] for t in (b for style, b in obligations if style == "table") for r in rows(t)[1:]]
    assert marks == ["Leads!", "Leads"]  # the tenant leads the usage layer; Dedicated is critical


def test_the_components_annex_has_a_table_per_layer(doc):
    part = section(doc, "Annex C: Components by party", 1)
    text = text_of(part)
    assert "What each outside party does for the parts of each layer." in text
    for line in ("Responsible (R): Does the work.", "Support (S): Helps", "Not Involved (N): Takes no part."):
        assert line in text
    tables = {heading: rows(next(b for style, b in sub if style == "table")) for heading, sub in split(part, 2).items()}
    assert tables == {
        "1. Usage layer": [["Component", "Auditor", "Regulator"], ["Access reviews", "Responsible", "Not Involved"]],
        "2. Runtime layer": [
            ["Component", "Auditor", "Regulator"],
            ["Incident reports", "Support", "Responsible"],
            ["Capacity plans", "Not Involved", "Not Involved"],
        ],
    }
