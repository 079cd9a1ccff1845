"""The published long tables (one row per cell), the customer's kinds of duty and the duty texts.

Their columns are an interface: the workbook, the CSV and customers' registers refer to them.
"""

from __future__ import annotations

from generator import model
from generator.prose import series

# The audience's kinds of duty, heaviest first: what the party adopting the policy does in a cell follows
# from who carries the cell.
OPERATE, SHARE, ASSURE, NOT_APPLICABLE = "operate", "share", "assure", "not-applicable"
DUTIES = (OPERATE, SHARE, ASSURE, NOT_APPLICABLE)


def duty(owners: tuple[str, ...], audience: str) -> str:
    """Return the audience's kind of duty where `owners` carry the work."""
    if not owners:
        return NOT_APPLICABLE
    if audience not in owners:
        return ASSURE
    return OPERATE if len(owners) == 1 else SHARE


def cell_duty(fw: model.Framework, cell: model.Cell) -> str:
    """Return the audience's kind of duty in one cell."""
    return duty(fw.owners(cell), fw.info.audience)


def names(fw: model.Framework, party_ids: tuple[str, ...]) -> str:
    """Name parties in running text: "the provider", "the host and the vendor"."""
    return series([f"the {fw.party(p).name.lower()}" for p in party_ids])


def customer_duty(fw: model.Framework, cell: model.Cell) -> str:
    """Say what the audience does for one cell, from its kind of duty and the domain's note on its level."""
    domain, level = fw.domain(cell.domain_id), fw.level_for(cell, fw.info.audience)
    axes = fw.info.axes
    note = domain.level_notes.get(level.id, "")
    kind = cell_duty(fw, cell)
    if kind == NOT_APPLICABLE:
        return note or f"Nothing: this {axes.rows.term} does not apply to this {axes.columns.term}."
    if kind == ASSURE and note:
        others = fw.owners(cell)
        verb = "meets" if len(others) == 1 else "meet"
        return f"Obtain assurance that {names(fw, others)} {verb} this {axes.rows.term}. {note}"
    return note or level.definition


OBLIGATION_COLUMNS = (
    "cell_id",
    "model_id",
    "model_name",
    "domain_number",
    "domain_id",
    "domain_name",
    "level",
    "level_id",
    "critical_focus",
    "accountable_role",
    "responsible_roles",
    "customer_does",
)


def obligation_rows(fw: model.Framework) -> list[dict]:
    """Return every cell the customer carries (alone or shared), with the internal role that owns it."""
    roles = {r.id: r.name for r in fw.roles}
    raci = {row.domain_id: row for row in fw.raci}
    rows = []
    for cell in fw.cells:
        level = fw.level_for(cell, fw.info.audience)
        if fw.info.audience not in fw.owners(cell):
            continue
        dm, domain, row = fw.model(cell.model_id), fw.domain(cell.domain_id), raci[cell.domain_id]
        responsible = [roles[r] for r in row.responsible]
        rows.append(
            {
                "cell_id": cell.id,
                "model_id": dm.id,
                "model_name": dm.name,
                "domain_number": domain.number,
                "domain_id": domain.id,
                "domain_name": domain.name,
                "level": level.label,
                "level_id": level.id,
                "critical_focus": "Yes" if cell.critical else "No",
                "accountable_role": roles.get(row.accountable or "", ""),
                "responsible_roles": ", ".join(responsible),
                "customer_does": customer_duty(fw, cell),
            }
        )
    return rows


def provider_duty(fw: model.Framework, cell: model.Cell, party: str = model.PROVIDER_PARTY) -> str:
    """Say what a party other than the audience (default: the provider) does for one cell."""
    domain, level = fw.domain(cell.domain_id), fw.level_for(cell, party)
    owners, axes = fw.owners(cell), fw.info.axes
    if not owners:
        return "Not applicable."
    if party not in owners:
        carriers = f"{names(fw, owners)} {'owns' if len(owners) == 1 else 'own'}"
        return f"Nothing beyond any tools it supplies: {carriers} this {axes.rows.term} in this {axes.columns.term}."
    if owners == (party,):
        return domain.level_notes.get(level.id) or level.definition
    parts = []
    if domain.provider_aspects and party == model.PROVIDER_PARTY:
        parts.append(f"Its share in this domain: {'; '.join(domain.provider_aspects)}.")
    generic = fw.info.shared_split.get(party, ())
    if generic:
        parts.append(f"As in every shared cell: {'; '.join(generic)}.")
    return " ".join(parts) or level.definition


# The long table, one row per cell: its columns are a published interface (workbook and CSV); never rename them.
RESPONSIBILITY_COLUMNS = (
    "cell_id",  # <domain_id>.<model_id>, stable across versions
    "model_id",
    "model_name",
    "domain_number",  # an integer
    "domain_id",
    "domain_name",
    "domain_kind",  # traditional | ai-specific
    "level",  # the level label, as in the matrix (Provider, Customer, Shared, N/A)
    "level_id",  # the level's id (provider, customer, shared, not-applicable): no reader takes it for missing data
    "critical_focus",  # Yes | No
    "provider_does",
    "customer_does",
    "example",
)
# A per-party framework's long table: one row per cell and party, in matrix order then the framework's party
# order (`FrameworkInfo.cell_parties`). The cell's columns as above, then the party's id and name; level and
# level_id are that party's own level; one `does` column says what that party does (the audience's duty for
# the audience). The domain_*/model_* keys name the framework's rows and columns (`axes`) whatever it calls them.
PER_PARTY_COLUMNS = (
    *RESPONSIBILITY_COLUMNS[: RESPONSIBILITY_COLUMNS.index("domain_kind") + 1],
    "party_id",
    "party",  # the party's name
    "level",
    "level_id",
    "critical_focus",  # of the cell: Yes on each of its parties' rows
    "does",
    "example",
)


MAPPING_COLUMNS = ("domain_id", "framework", "target_id", "title", "relationship", "rationale")  # Table Mappings


def mapping_column(reference_id: str) -> str:
    """The long table's column holding a domain's target ids in one mapped framework: `nist_ai_rmf_ids`."""
    return f"{reference_id.replace('-', '_')}_ids"


def responsibility_columns(fw: model.Framework) -> tuple[str, ...]:
    """The long table's columns: the fixed ones (per-party frameworks': their own), then one per mapped framework."""
    fixed = PER_PARTY_COLUMNS if fw.info.per_party else RESPONSIBILITY_COLUMNS
    return (*fixed, *(mapping_column(w.reference.id) for w in fw.mappings))


def target_ids(walk: model.Crosswalk, domain_id: str) -> str:
    """A domain's target ids in one framework as a cell holds them: "MEASURE 2.7; MANAGE 3.2"."""
    return "; ".join(walk.target_ids(domain_id))


def mapping_rows(fw: model.Framework) -> list[dict]:
    """One dict per domain x target, by framework then domain, keyed by MAPPING_COLUMNS in order."""
    return [
        dict(
            zip(
                MAPPING_COLUMNS,
                (
                    m.domain_id,
                    w.reference.id,
                    m.target.id if m.target else "",
                    m.target.title if m.target else "",
                    m.relationship,
                    m.rationale,
                ),
                strict=True,
            )
        )
        for w in fw.mappings
        for m in w.maps
    ]


def responsibility_rows(fw: model.Framework) -> list[dict]:
    """Return the long table: one dict per cell (per-party frameworks: per cell and party) in matrix order,
    keyed by `responsibility_columns` in order."""
    rows = []
    for cell in fw.cells:
        dm, domain = fw.model(cell.model_id), fw.domain(cell.domain_id)
        keys = (cell.id, dm.id, dm.name, domain.number, domain.id, domain.name, domain.kind)
        critical, example = "Yes" if cell.critical else "No", domain.examples.get(dm.id, "")
        mapped = tuple(target_ids(w, domain.id) for w in fw.mappings)
        for party, level in fw.values(cell):
            values: tuple[str | int, ...]
            if party is None:
                does = (provider_duty(fw, cell), customer_duty(fw, cell))
                values = (*keys, level.label, level.id, critical, *does, example)
            else:
                duty = customer_duty(fw, cell) if party.id == fw.info.audience else provider_duty(fw, cell, party.id)
                values = (*keys, party.id, party.name, level.label, level.id, critical, duty, example)
            rows.append(dict(zip(responsibility_columns(fw), (*values, *mapped), strict=True)))
    return rows


RACI_LEADING = ("domain_number", "domain_id", "domain_name")  # the RACI sheet's columns before the roles
RACI_TRAILING = "check"  # its column after the roles
RACI_STATE_LABEL = "RACI state"  # the About sheet's label of an organisation workbook's raci_state


def raci_state(fw: model.Framework) -> str:
    """A short digest of the internal-role RACI as an edition shows it (role ids and names, every letter).

    An organisation's workbook records it, so an import can tell that org.yaml's RACI changed
    after the workbook was built (another import, an edit) and refuse to undo that change.
    """
    import hashlib
    import json

    state = {
        "roles": [[r.id, r.name] for r in fw.roles],
        "raci": [[row.domain_id, sorted(row.letters.items())] for row in fw.raci],
    }
    return hashlib.sha256(json.dumps(state, sort_keys=True).encode("utf-8")).hexdigest()[:16]
