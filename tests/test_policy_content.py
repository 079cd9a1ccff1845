"""What the policy says (policy_pack/content.py): statements per cell, document control dates."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from generator import tables
from generator.dates import add_months
from generator.org.branding import Branding
from generator.renderers.policy_pack import content as pt


def test_every_cell_is_in_exactly_one_statement_of_its_level(framework):
    for d in framework.domains:
        statements = pt.statements(framework, d)
        covered = [(s.level_id, m) for s in statements for m in s.model_ids]
        assert sorted(covered) == sorted((c.level_id, c.model_id) for c in framework.cells_for_domain(d.id))
        assert [s.number for s in statements] == [f"{d.number}.{n}" for n in range(1, len(statements) + 1)]
        duties = [s.duty for s in statements]
        assert duties == sorted(duties, key=tables.DUTIES.index)


def test_customer_statement_lists_the_key_controls_and_ai_considerations(framework):
    d = framework.domain("application-security")
    customer = next(s for s in pt.statements(framework, d) if s.level_id == "customer")
    assert customer.model_names == ("IaaS AI", "On-Premises", "Agentic AI", "AI Coding", "MCP Systems")
    assert customer.own == d.key_controls
    assert customer.ai_considerations == d.ai_considerations
    assert customer.provider == ()


def test_shared_statement_splits_own_part_from_the_providers(framework):
    d = framework.domain("application-security")
    shared = next(s for s in pt.statements(framework, d) if s.level_id == "shared")
    assert shared.model_ids == ("paas-ai", "embedded-ai")
    assert shared.own == d.organisation_aspects
    assert shared.provider == d.provider_aspects


def test_shared_statement_falls_back_to_the_generic_split(framework):
    d = framework.domain("agent-governance")
    assert not d.organisation_aspects
    shared = next(s for s in pt.statements(framework, d) if s.level_id == "shared")
    assert shared.own == framework.info.shared_split["customer"]
    assert shared.provider == framework.info.shared_split["provider"]


def test_not_applicable_statement_says_why(framework):
    d = framework.domain("code-generation-security")
    na = next(s for s in pt.statements(framework, d) if s.level_id == "not-applicable")
    assert len(na.model_ids) == 7
    assert na.note == d.level_notes["not-applicable"]
    assert na.own == na.provider == ()


def test_critical_cells_get_a_marked_clause(framework):
    d = framework.domain("multi-system-integration-security")
    notes = [(s.level_id, c.model_name) for s in pt.statements(framework, d) for c in s.critical]
    assert notes == [("customer", "MCP Systems"), ("shared", "Embedded AI")]


def test_domain_policy_names_accountable_and_responsible_roles(framework):
    policy = pt.domain_policy(framework, framework.domain("data-privacy"))
    assert policy.accountable.id == "data-protection"
    assert [r.id for r in policy.responsible] == ["ai-ml-engineering", "product-owner"]


def test_edition_uses_placeholders_without_an_organisation(framework):
    control = pt.policy_control(framework, Branding(), datetime(2025, 9, 26, tzinfo=UTC))
    assert control.organisation == "[Organisation name]"
    assert control.next_review == date(2026, 9, 26)
    assert control.framework == "AI Security Shared Responsibility Model 1.1.0"


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2025, 9, 26), 12, date(2026, 9, 26)),
        (date(2025, 11, 30), 3, date(2026, 2, 28)),
        (date(2025, 12, 15), 1, date(2026, 1, 15)),
    ],
)
def test_add_months_clamps_to_the_end_of_a_short_month(day, months, expected):
    assert add_months(day, months) == expected
