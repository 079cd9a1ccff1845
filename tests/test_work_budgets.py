"""Work budgets: a template's loop iterations and calls, the strings it makes and a profile's lists are
counted and refused the moment they pass their bound, naming the template line or the profile key;
the per-format timer is only the last resort.

Each case: one line naming the template and line (or org.yaml, line and key), exit code 1, well
under the timer (set to 60 s here, so a refusal by the timer would fail the time check), and the
previous output byte-identical.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from generator import limits
from generator.cli import main
from generator.templating import BoundedSandbox
from tests.hostile import copy_example, snapshot

QUICK = 5.0  # seconds; the timer below is 60 s, and these cases ran for 20 s to 5 minutes before


@pytest.fixture
def previous(tmp_path, monkeypatch) -> tuple[Path, Path]:
    org, out = copy_example(tmp_path), tmp_path / "out"
    assert main(["build", "--out", str(out), "--org", str(org), "--only", "markdown,docx"]) == 0
    monkeypatch.setattr(limits, "FORMAT_SECONDS", 60.0)
    return org, out


def refused(org: Path, out: Path, fmt: str, capsys) -> str:
    """Build one format, expect the refusal at once; return its one line."""
    before = snapshot(out)
    capsys.readouterr()
    started = time.monotonic()
    assert main(["build", "--out", str(out), "--org", str(org), "--only", fmt, "--force"]) == 1
    assert time.monotonic() - started < QUICK
    err = capsys.readouterr().err
    heading = (
        "building ",
        "[1/1] ",
        "error: edition northwind-analytics not built, earlier outputs left as they were:",
    )
    lines = [line for line in err.splitlines() if line.strip() and not line.startswith(heading)]
    assert len(lines) == 1 and "Traceback" not in err, err
    assert snapshot(out) == before
    return lines[0]


DOUBLE = "{% set ns = namespace(s='ab') %}{% for i in range(40) %}{% set ns.s = ns.s OP ns.s %}{% endfor %}{{ ns.s }}"
STEPS = "more than 200,000 loop iterations in one render (nested loops multiply)"
CALLS = "more than 20,000 calls in one render"
TEMPLATE_CASES = {
    "nested range loops": (
        "\n{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
        2,
        STEPS,
    ),
    "loops over a generator": (
        "{% for i in range(100000)|map('string') %}{% for j in range(100000)|list %}{% endfor %}{% endfor %}",
        1,
        STEPS,
    ),
    "loops across includes": (
        "{% for i in range(2000) %}{% include 'markdown/inner.md.j2' %}{% endfor %}",
        1,
        STEPS,
    ),
    "exponential macro": (
        "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}\n\n{{ f(40) }}",
        1,
        CALLS,
    ),
    "~ doubling 40 times": (DOUBLE.replace("OP", "~"), 1, "the expression makes 1,048,576 characters, more than"),
    "+ doubling 40 times": (DOUBLE.replace("OP", "+"), 1, "`+` makes 1,048,576 characters, more than 1,000,000"),
    "join of a repeated text": ("{{ (['x' * 1000] * 100000)|join }}", 1, "join makes more than 1,000,000 characters"),
    "center width": ("{{ 'x'|center(10**9) }}", 1, "center asks for a width of 1000000000"),
    "format width": ("{{ '{:>1000000000}'.format(1) }}", 1, "format() asks for a width of 1000000000"),
    "percent width": ("{{ '%1000000000s' % 1 }}", 1, "`%` formatting asks for a width of 1000000000"),
    "replace growth": ("{{ ('a' * 10000)|replace('a', 'a' * 1000) }}", 1, "replace makes more than 1,000,000"),
    "endless recursion": ("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", 1, "call each other too deeply"),
}


@pytest.mark.parametrize("case", TEMPLATE_CASES)
def test_markdown_template_work_is_counted_and_refused_at_once(previous, capsys, case):
    org, out = previous
    text, line, expected = TEMPLATE_CASES[case]
    folder = org / "templates" / "markdown"
    (folder / "inner.md.j2").write_text("{% for j in range(1000) %}{% endfor %}")
    (folder / "obligations.md.j2").write_text(text)
    message = refused(org, out, "markdown", capsys)
    assert f"obligations.md.j2, line {line}: " in message or "inner.md.j2, line 1: " in message
    assert expected in message and message.strip().startswith("markdown: template ")


def test_word_template_loops_are_counted(previous, capsys):
    from tests.test_policy_pack import template_with

    org, out = previous
    (org / "templates" / "word").mkdir(exist_ok=True)
    template_with(
        org / "templates" / "word", "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
    )
    message = refused(org, out, "docx", capsys)
    assert "template policy-pack.docx: " + STEPS in message


def test_the_default_templates_stay_far_below_the_budget(tmp_path, monkeypatch):
    """The reference build's largest render makes some 360 loop iterations and 200 calls."""
    peak = {"iterations": 0, "calls": 0}
    iterate, call = limits.Budget.iterate, limits.Budget.call

    def iterating(self, count):
        iterate(self, count)
        peak["iterations"] = max(peak["iterations"], self.iterations)

    def calling(self):
        call(self)
        peak["calls"] = max(peak["calls"], self.calls)

    monkeypatch.setattr(limits.Budget, "iterate", iterating)
    monkeypatch.setattr(limits.Budget, "call", calling)
    assert main(["build", "--out", str(tmp_path), "--only", "markdown,docx,pdf", "--jobs", "1"]) == 0
    assert 100 < peak["iterations"] < limits.MAX_ITERATIONS // 100
    assert 50 < peak["calls"] < limits.MAX_CALLS // 50


def test_the_budget_is_per_render():
    env = BoundedSandbox()
    template = "{% for i in range(100000) %}{% endfor %}" * 2
    for _ in range(3):  # three renders of 200,000 iterations: each within its own budget
        with limits.work_budget():
            env.from_string(template).render()
    with pytest.raises(limits.LimitExceeded, match="more than 200,000 loop iterations"), limits.work_budget():
        env.from_string(template * 2).render()


# --- profile lists ---------------------------------------------------------------------------


def roles(count: int) -> str:
    return "".join(f"    - id: role-{i}\n      name: Role {i}\n      description: Role {i}.\n" for i in range(count))


PROFILE_CASES = {
    "17,000 roles": (17_000, "org.yaml:", "roles.add: more than 5,000 entries; keep the list or mapping shorter"),
    "201 roles": (201, "org.yaml:{add}:", "roles.add: found 202 entries, more than 200; keep the list shorter"),
}


@pytest.mark.parametrize("case", PROFILE_CASES)
def test_long_profile_lists_are_refused_naming_the_key(previous, capsys, case):
    org, out = previous
    count, where, expected = PROFILE_CASES[case]
    text = (org / "org.yaml").read_text()
    where = where.format(add=text.splitlines().index("  add:") + 1)  # the problem is reported at the key's line
    (org / "org.yaml").write_text(text.replace("  add:\n", "  add:\n" + roles(count), 1))
    before = snapshot(out)
    started = time.monotonic()
    assert main(["build", "--out", str(out), "--org", str(org), "--only", "json"]) == 1
    assert time.monotonic() - started < QUICK
    err = capsys.readouterr().err
    problems = [line for line in err.splitlines() if line.startswith("  ")]
    assert len(problems) == 1 and where in problems[0] and expected in problems[0], err
    assert snapshot(out) == before
