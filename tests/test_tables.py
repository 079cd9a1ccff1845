"""The long table, the customer's kinds of duty and the duties it spells out for each party."""

from __future__ import annotations

import pytest

from generator import tables
from generator.model import Level
from generator.tables import (
    RESPONSIBILITY_COLUMNS,
    customer_duty,
    provider_duty,
    responsibility_columns,
    responsibility_rows,
)


def test_provider_duty_follows_the_level(framework):
    seen = set()
    for cell in framework.cells:
        domain, level = framework.domain(cell.domain_id), framework.level(cell.level_id)
        duty = provider_duty(framework, cell)
        seen.add(level.id)
        if level.id == "provider":
            assert duty == domain.level_notes["provider"]
        elif level.id == "shared":
            for item in (*domain.provider_aspects, *framework.info.shared_split["provider"]):
                assert item in duty
        elif level.id == "customer":
            assert duty.startswith("Nothing beyond any tools it supplies")
        else:
            assert duty == "Not applicable."
    assert seen == {v.id for v in framework.info.levels}


def test_customer_duty_asks_for_assurance_only_where_the_provider_owns_the_cell(framework):
    for cell in framework.cells:
        duty = customer_duty(framework, cell)
        assert duty.startswith("Obtain assurance") == (cell.level_id == "provider")
        assert duty


def test_responsibility_rows_are_the_documented_long_table(framework):
    rows = responsibility_rows(framework)
    assert len(rows) == len(framework.cells) == 128
    for row, cell in zip(rows, framework.cells, strict=True):
        assert tuple(row) == responsibility_columns(framework)
        assert tuple(row)[: len(RESPONSIBILITY_COLUMNS)] == RESPONSIBILITY_COLUMNS  # new columns go at the end
        domain, dm = framework.domain(cell.domain_id), framework.model(cell.model_id)
        assert row["cell_id"] == cell.id and row["model_id"] == dm.id and row["domain_id"] == domain.id
        assert row["domain_number"] == domain.number and isinstance(row["domain_number"], int)
        assert row["domain_kind"] == domain.kind
        assert row["level"] == framework.level(cell.level_id).label
        assert row["critical_focus"] == ("Yes" if cell.critical else "No")
        assert row["provider_does"] == provider_duty(framework, cell)
        assert row["customer_does"] == customer_duty(framework, cell)
        assert row["example"] == domain.examples[dm.id]


def level(*owners: str) -> Level:
    return Level(id="x", label="X", short="X", owners=owners, definition="")


@pytest.mark.parametrize(
    ("owners", "duty"),
    [
        (("customer",), tables.OPERATE),
        (("provider", "customer"), tables.SHARE),
        (("provider",), tables.ASSURE),
        ((), tables.NOT_APPLICABLE),
    ],
)
def test_duty_follows_who_owns_the_level(owners, duty):
    assert tables.duty(level(*owners).owners, "customer") == duty
