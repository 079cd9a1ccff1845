"""Fuzzing the trust boundary: generated YAML, profiles and template snippets give a valid result or
the project's own error, never another exception, each within a time bound."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.edition import Edition
from generator.org.profile import Profile, load_profile
from generator.pipeline import BuildError, build
from generator.problems import InputError
from generator.search_path import SearchPath
from generator.source.load import load_framework
from generator.source.yaml_reader import Document, YamlError, load_yaml
from tests.conftest import TRI

FUZZ = settings(
    max_examples=40, deadline=2000, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
YAML_PIECES = st.sampled_from(
    ["a", ": ", "- ", "\n", "  ", "&x ", "*x", "!!str ", "!foo ", "[", "]", "{", "}", ",", '"', "'", "|", ">", "#",
     "~", "null", "1", "-1", "true", "NO", "\t", "\u202e", "%YAML 1.1\n", "---\n", "...\n", "? ", "<<: "]
)  # fmt: skip
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)


@FUZZ
@given(st.lists(YAML_PIECES | TEXT, max_size=40).map("".join))
def test_yaml_reader_gives_a_document_or_its_own_error(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("yaml") / "x.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        assert isinstance(load_yaml(path), Document)
    except YamlError as exc:
        assert exc.problems and all(p.file == path for p in exc.problems)


VALUE = st.one_of(TEXT, st.integers(-5, 100), st.booleans(), st.none(), st.lists(TEXT, max_size=3))
PROFILE = st.fixed_dictionaries(
    {"name": TEXT},
    optional={
        "short_name": TEXT,
        "file_prefix": TEXT,
        "colours": st.fixed_dictionaries({}, optional={"primary": TEXT, "accent": VALUE}),
        "logo": st.sampled_from(["logo.png", "logo.svg", "../x.png", "/etc/passwd", "templates", "", "nope.png"]),
        "classification": VALUE,
        "models_in_use": st.lists(TEXT, max_size=3),
        "roles": st.fixed_dictionaries({}, optional={"rename": st.dictionaries(TEXT, TEXT, max_size=2)}),
        "poster_size": VALUE,
        "paper_size": VALUE,
        "document_control": st.fixed_dictionaries(
            {},
            optional={
                "review_cycle_months": VALUE,
                "owner": TEXT,
                "version": VALUE,
                "issue_date": VALUE | st.dates().map(date.isoformat) | st.sampled_from(["2026-02-30", "0000-01-01"]),
            },
        ),
    },
).flatmap(lambda spec: st.dictionaries(TEXT, VALUE, max_size=2).map(lambda extra: {**extra, **spec}))  # unknown keys
EXAMPLE = Path(__file__).parent.parent / "examples" / "northwind-analytics"


@FUZZ
@given(PROFILE)
def test_profile_checker_gives_a_profile_or_its_own_error(tmp_path_factory, framework, spec):
    folder = tmp_path_factory.mktemp("org")
    for name in ("logo.png", "logo.svg"):
        shutil.copy(EXAMPLE / name, folder / name)
    (folder / "org.yaml").write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    try:
        assert isinstance(load_profile(folder, framework), Profile)
    except InputError as exc:
        assert exc.problems and all(str(p).strip() for p in exc.problems)


SNIPPET = st.lists(
    st.sampled_from(
        ["{{ ", " }}", "{% ", " %}", "for x in ", "range(", "10**6", ")", "endfor", "if ", "endif", "'a'", " * ",
         "9999999", "lipsum(", "framework", ".", "__class__", "models", "|length", "|join", "cycler", "x", "\n",
         "{% include '", "/etc/passwd", "' %}", "!default/markdown/index.md.j2", "{# ", " #}", "edition"]
    )
    | TEXT,
    max_size=16,
).map("".join)  # fmt: skip


@settings(max_examples=15, deadline=5000, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(SNIPPET)
def test_build_with_a_template_snippet_succeeds_or_fails_cleanly(tmp_path_factory, framework, snippet):
    overrides = tmp_path_factory.mktemp("templates")
    (overrides / "markdown").mkdir()
    (overrides / "markdown" / "obligations.md.j2").write_text(snippet, encoding="utf-8")
    out = tmp_path_factory.mktemp("out")
    try:
        build(Edition(framework, only=("markdown",), search_path=SearchPath((overrides,))), out)
    except BuildError as exc:
        assert str(exc).startswith("markdown: ")
    assert not [p for p in out.iterdir() if p.name.startswith(".staging-")]


@pytest.mark.parametrize("text", ["a: &a [*a]", "[" * 50 + "]" * 50, "x: !!python/name:os.system ''"])
def test_known_hostile_documents_are_own_errors(tmp_path, text):
    path = tmp_path / "x.yaml"
    path.write_text(text)
    with pytest.raises(YamlError):
        load_yaml(path)


# The per-party shape: what a framework's data may change about it, each key set to any value of any type.
SHAPE = st.fixed_dictionaries(
    {},
    optional={
        "cell_values": st.sampled_from(["one", "per-party", "two", ""]) | VALUE,
        "value_parties": st.lists(st.sampled_from(["tenant", "host", "vendor", "nobody"]), max_size=4) | VALUE,
        "audience": st.sampled_from(["tenant", "host", "nobody"]) | VALUE,
        "axes": st.fixed_dictionaries({}, optional={"rows": VALUE, "columns": VALUE}) | VALUE,
    },
)
CELL = st.sampled_from(["Leads", "Leads!", "Assists", "Audits", "Audits!", "Uninvolved", "Uninvolved!", "Leeds", "!"])
GRID_ROW = st.lists(CELL, min_size=2, max_size=2) | st.lists(CELL | VALUE, max_size=3)  # mostly one cell per column


PARTY = st.sampled_from(["tenant", "host", "vendor", "nobody"])
ROW_ID = st.sampled_from(["usage", "runtime", "nope"])
COMPONENT_VALUES = st.none() | st.dictionaries(  # None: the components as they are
    st.sampled_from(["auditor", "regulator", "x"]), st.sampled_from(["responsible", "support", "leads"]), max_size=3
)


@settings(FUZZ, max_examples=100)
@given(SHAPE, PARTY, ROW_ID, GRID_ROW, COMPONENT_VALUES)
def test_a_per_party_framework_loads_or_names_its_problems(
    tmp_path_factory, tri_data, shape, party, row, cells, values
):
    """Any change to the per-party shape, one party's matrix row or a component's values gives the framework
    or InputError naming only the test framework's files, never another exception."""
    data = tmp_path_factory.mktemp("tri") / "data"
    folder = data / "frameworks" / TRI / "1.0.0"
    shutil.copytree(tri_data / "frameworks" / TRI, data / "frameworks" / TRI)
    documents = {name: load_yaml(folder / name).data for name in ("framework.yaml", "matrix.yaml", "components.yaml")}
    documents["framework.yaml"].update(shape)
    documents["matrix.yaml"]["by_party"].setdefault(party, {})[row] = cells
    if values is not None:
        documents["components.yaml"]["tables"]["usage"][0]["values"] = values
    for name, document in documents.items():
        (folder / name).write_text(
            json.dumps(document, default=str, ensure_ascii=False), encoding="utf-8"
        )  # JSON is YAML
    try:
        fw = load_framework(data, framework=TRI)
    except InputError as exc:
        assert exc.problems and all(str(p.file).startswith(str(data / "frameworks" / TRI)) for p in exc.problems)
    else:
        assert fw.info.id == TRI and all(fw.cell_label(c) for c in fw.cells)
