"""Any framework from data alone: the test-only tri-party-demo (3 layers x 2 operating models, three
parties, a level per party in each cell, its own vocabulary, marker and component tables) loads, and
every format renders it with its values readable back; the default framework is unchanged."""

from __future__ import annotations

from tests.conftest import TRI

# Every (layer, operating model, party) -> level label of the fixture's matrix.yaml, written out by hand.
EXPECTED = {
    ("usage", "dedicated"): {"tenant": "Leads", "host": "Assists", "vendor": "Uninvolved"},
    ("usage", "pooled"): {"tenant": "Leads", "host": "Assists", "vendor": "Uninvolved"},
    ("runtime", "dedicated"): {"tenant": "Audits", "host": "Leads", "vendor": "Assists"},
    ("runtime", "pooled"): {"tenant": "Uninvolved", "host": "Leads", "vendor": "Uninvolved"},
    ("model-core", "dedicated"): {"tenant": "Uninvolved", "host": "Assists", "vendor": "Leads"},
    ("model-core", "pooled"): {"tenant": "Audits", "host": "Assists", "vendor": "Leads"},
}
CRITICAL = {("usage", "dedicated"), ("runtime", "pooled")}
PARTY_NAMES = {"tenant": "Tenant", "host": "Host", "vendor": "Vendor"}


def test_the_fixture_loads_with_a_level_per_party(tri_framework):
    fw = tri_framework
    assert fw.info.id == TRI and fw.info.per_party
    assert [d.id for d in fw.domains] == ["usage", "runtime", "model-core"]
    assert [m.id for m in fw.models] == ["dedicated", "pooled"]
    found = {
        (c.domain_id, c.model_id): {p.id: level.label for p, level in fw.values(c) if p} for c in fw.cells
    }
    assert found == EXPECTED
    assert {(c.domain_id, c.model_id) for c in fw.cells if c.critical} == CRITICAL
    assert fw.owners(fw.cell("runtime", "dedicated")) == ("host", "vendor")
    assert fw.cell_label(fw.cell("usage", "dedicated"), gap=" ") == "Tenant: Leads; Host: Assists; Vendor: Uninvolved !"
    assert [c.name for c in fw.components.tables["runtime"]] == ["Incident reports", "Capacity plans"]
