"""yaml_edit: values changed where they stand, every other byte kept."""

from __future__ import annotations

import copy

import pytest
import yaml

from generator.org.yaml_edit import Delete, Set, apply, apply_to_data

ORDER = {(): ("name", "roles", "raci_overrides", "poster_size")}

CASES = {
    "replace a plain value": ("a:\n  b: R  # note\n", [Set(("a", "b"), "A")], "a:\n  b: A  # note\n"),
    "fill an empty value": ("a:\n  b:\n  c: C\n", [Set(("a", "b"), "R")], "a:\n  b: R\n  c: C\n"),
    "replace a quoted value keeps its quotes": ("a: {b: 'x'}\n", [Set(("a", "b"), "it's")], "a: {b: 'it''s'}\n"),
    "a value YAML would misread is quoted": ("a:\n  b: x\n", [Set(("a", "b"), "yes")], 'a:\n  b: "yes"\n'),
    "a block scalar becomes a quoted line": (
        "a:\n  b: |\n    x\nc: 1\n",
        [Set(("a", "b"), "y")],
        'a:\n  b: "y"\nc: 1\n',
    ),
    "add to a flow mapping": ("a: {b: R}\n", [Set(("a", "c"), "C")], "a: {b: R, c: C}\n"),
    "add a nested flow mapping": ("a: {b: {x: R}}\n", [Set(("a", "c", "y"), "C")], "a: {b: {x: R}, c: {y: C}}\n"),
    "add under an empty flow mapping": (
        "a: {}  # none yet\nz: 1\n",
        [Set(("a", "b", "c"), "R")],
        "a:  # none yet\n  b:\n    c: R\nz: 1\n",
    ),
    "add under a key without value": ("a:\nz: 1\n", [Set(("a", "b"), "R")], "a:\n  b: R\nz: 1\n"),
    "add under a null key": ("a: ~\nz: 1\n", [Set(("a", "b"), "R")], "a:\n  b: R\nz: 1\n"),
    "add at the end of a file without a final line break": (
        "a:\n  b: R",
        [Set(("a", "c"), "C")],
        "a:\n  b: R\n  c: C\n",
    ),
    "add in documented order": (
        "name: x\n# poster\nposter_size: A3\n",
        [Set(("raci_overrides", "d", "r"), "A")],
        "name: x\nraci_overrides:\n  d:\n    r: A\n# poster\nposter_size: A3\n",
    ),
    "delete a middle flow item": ("a: {b: R, c: C, d: I}\n", [Delete(("a", "c"))], "a: {b: R, d: I}\n"),
    "delete the last flow item": ("a: {b: R, c: C}\n", [Delete(("a", "c"))], "a: {b: R}\n"),
    "delete a block item and its comment": (
        "a:\n  b: R\n  c: C  # why\nz: 1\n",
        [Delete(("a", "c"))],
        "a:\n  b: R\nz: 1\n",
    ),
    "an emptied mapping goes, up to keep": (
        "o:\n  d:\n    r: A\n  e:\n    r: C\n",
        [Delete(("o", "d", "r"), keep=1)],
        "o:\n  e:\n    r: C\n",
    ),
    "the kept mapping becomes {}": ("o:\n  d:\n    r: A\nz: 1\n", [Delete(("o", "d", "r"), keep=1)], "o: {}\nz: 1\n"),
    "an emptied flow mapping becomes {}": ("o: {d: {r: A}}\n", [Delete(("o", "d", "r"), keep=1)], "o: {}\n"),
    "set an item of a list": (
        "l:\n  - id: x\n    name: X\n",
        [Set(("l", 0, "name"), "Y Z")],
        "l:\n  - id: x\n    name: Y Z\n",
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_edits_touch_only_their_values(case):
    before, edits, after = CASES[case]
    assert apply(before, edits, ORDER) == after
    assert yaml.safe_load(after) == apply_to_data(copy.deepcopy(yaml.safe_load(before)), edits)


def test_crlf_and_bom_stay():
    before = "\ufeffa:\r\n  b: R\r\n...\r\n"
    assert apply(before, [Set(("a", "c"), "C")], {}) == "\ufeffa:\r\n  b: R\r\n  c: C\r\n...\r\n"
