"""The body of the policy pack: the wording's blocks written through a `Writer`, and the tables it names.

The sentences are in templates/word/policy.xml.j2 (see wording.py); the tables are the model's facts,
filled here in the order and place the wording asks for them.
"""

from __future__ import annotations

from generator import tables
from generator.changes import Changes, changes_view
from generator.model import Cell as MatrixCell
from generator.model import DeploymentModel, Framework
from generator.org.branding import Branding, DocumentControl, LevelColours
from generator.renderers.policy_pack import content as pt
from generator.renderers.policy_pack.content import domain_heading
from generator.renderers.policy_pack.word_writer import Cell, Shaded, ShadedLines, Writer
from generator.renderers.policy_pack.wording import Block, Heading, Paragraph, Table
from generator.tables import obligation_rows


def write_body(
    w: Writer,
    blocks: list[Block],
    fw: Framework,
    control: pt.PolicyControl,
    policies: tuple[pt.DomainPolicy, ...],
    branding: Branding,
    changes: Changes | None = None,
) -> None:
    """Write the policy after the cover and contents: the wording's headings and paragraphs, and its tables."""
    for block in blocks:
        if isinstance(block, Heading):
            w.heading(block.text, block.level)
        elif isinstance(block, Paragraph):
            w.paragraph(*block.runs, style=block.style)
        else:
            _table(w, block, fw, control, policies, branding, changes)


def _table(
    w: Writer,
    table: Table,
    fw: Framework,
    control: pt.PolicyControl,
    policies: tuple[pt.DomainPolicy, ...],
    branding: Branding,
    changes: Changes | None,
) -> None:
    name, header = table.name, list(table.headers)
    if name == "document-control":
        document_control(w, header, fw, control, changes)
    elif name == "version-history":
        version_history(w, header, fw, control, changes)
    elif name == "approval":
        approval(w, header, control)
    elif name == "responsibility-levels":
        rows = [[v.label, v.definition, "; ".join(map(table.duty, pt.level_duties(fw, v)))] for v in fw.info.levels]
        w.table(header, rows, [2.4, 7.2, 7.0])
    elif name == "roles":
        w.table(header, [[r.name, r.description] for r in fw.roles], [4.6, 12.0])
    elif name == "raci":
        raci(w, header, fw)
    elif name == "obligations":
        obligations(w, header, fw, fw.model(str(table.model_id)))
    elif name == "annex":
        annex(w, table, fw, fw.model(str(table.model_id)), policies, branding)
    elif name == "mapping":
        mapping(w, header, fw, str(table.reference_id))
    elif name == "full-matrix":
        full_matrix(w, header, fw, branding)
    elif name == "components":
        components(w, header, fw, str(table.row_id))
    elif name == "glossary":
        terms = sorted(dict(table.rows).items(), key=lambda item: item[0].casefold())
        w.table(header, [list(term) for term in terms], [4.6, 12.0])
    else:
        changes_table(w, fw, name, header, changes_view(changes, fw))


def level_cell(text: str, colours: LevelColours) -> Shaded:
    """Return a table cell in a responsibility level's colours."""
    return Shaded(text, colours.fill, colours.text)


def matrix_cell(fw: Framework, cell: MatrixCell, palette: dict[str, LevelColours], short: bool = False) -> Cell:
    """Return a matrix cell in its level's colours, or (per-party) a line per party in its level's colours.

    The critical marker ends the cell, as in `Framework.cell_label`.
    """
    if cell.level_id is not None:
        return level_cell(fw.cell_label(cell, short=short), palette[cell.level_id])
    parties = fw.info.cell_parties
    lines = []
    for n, party in enumerate(parties, 1):
        level = fw.level_for(cell, party)
        text = f"{fw.party(party).name}: {level.short if short else level.label}"
        lines.append(level_cell(fw.info.mark_critical(text, cell.critical and n == len(parties)), palette[level.id]))
    return ShadedLines(tuple(lines))


# --- front matter -------------------------------------------------------------


def document_control(
    w: Writer, header: list[str], fw: Framework, control: pt.PolicyControl, changes: Changes | None = None
) -> None:
    facts = [
        ("Document", control.title),
        ("Organisation", control.organisation),
        ("Document owner", control.owner),
        ("Approver", control.approver),
        ("Classification", control.classification),
        ("Version", control.version),
        ("Status", control.status),
        ("Issued", control.issued.isoformat()),
        ("Effective from", control.effective),
        ("Review cycle", f"Every {control.review_months} months"),
        ("Next review due", control.next_review.isoformat()),
        ("Based on", f"{control.framework} ({fw.info.release_date}) by {fw.info.author}, {fw.info.licence} licence"),
        ("Previous framework version", _previous_version(fw, changes)),
    ]
    w.table(header, facts, [4.6, 12.0])


def version_history(
    w: Writer, header: list[str], fw: Framework, control: pt.PolicyControl, changes: Changes | None = None
) -> None:
    w.table(
        header,
        [
            [
                control.version,
                control.issued.isoformat(),
                control.owner,
                f"{_issue(control)}, adopted from the {control.framework}. {_follows(fw, changes)}",
            ]
        ],
        [2.2, 2.6, 4.6, 7.2],
    )


def approval(w: Writer, header: list[str], control: pt.PolicyControl) -> None:
    w.table(
        header,
        [[control.owner, "[Name]", "[Signature]", "[Date]"], [control.approver, "[Name]", "[Signature]", "[Date]"]],
        [5.6, 4.0, 4.0, 3.0],
    )


# --- roles and obligations ----------------------------------------------------------


def raci(w: Writer, header: list[str], fw: Framework) -> None:
    role_ids = [r.id for r in fw.roles]
    rows = [[domain_heading(fw.domain(row.domain_id)), *(row.letters[r] for r in role_ids)] for row in fw.raci]
    weights = [16.6 - 1.3 * len(role_ids), *([1.3] * len(role_ids))]
    w.table([*header, *(r.name for r in fw.roles)], rows, weights, rotated_header_cm=4.4)


def obligations(w: Writer, header: list[str], fw: Framework, dm: DeploymentModel) -> None:
    """List every Customer and Shared cell of one model with the role accountable for it."""
    body = [
        [
            domain_heading(fw.domain(r["domain_id"])),
            fw.info.mark_critical(r["level"], r["critical_focus"] == "Yes"),
            r["accountable_role"],
            r["responsible_roles"],
        ]
        for r in obligation_rows(fw)
        if r["model_id"] == dm.id
    ]
    w.table(header, body, [6.0, 2.4, 3.8, 4.4])


# --- annexes and appendices ----------------------------------------------------------


def annex(
    w: Writer,
    table: Table,
    fw: Framework,
    dm: DeploymentModel,
    policies: tuple[pt.DomainPolicy, ...],
    branding: Branding,
) -> None:
    """List the model's domains: level, the organisation's duty (the wording's text), statement, accountable role."""
    palette = branding.level_colours(fw.info.level_ids)
    rows: list[list[Cell]] = []
    for policy in policies:
        cell = fw.cell(policy.domain.id, dm.id)
        statement = next(s for s in policy.statements if dm.id in s.model_ids)
        duty = table.duty(tables.cell_duty(fw, cell))
        level = matrix_cell(fw, cell, palette)
        rows.append([domain_heading(policy.domain), level, duty, statement.number, policy.accountable.name])
    w.table(list(table.headers), rows, [4.8, 2.2, 3.8, 2.4, 3.4])


def mapping(w: Writer, header: list[str], fw: Framework, reference_id: str) -> None:
    """How each security domain relates to one reference framework: a row per mapping, in domain order."""
    walk = next(walk for walk in fw.mappings if walk.reference.id == reference_id)
    rows: list[list[Cell]] = [
        [
            domain_heading(fw.domain(m.domain_id)),
            m.target.id if m.target else "none",
            m.target.title if m.target else "",
            m.relationship,
            m.rationale,
        ]
        for m in walk.maps
    ]
    w.table(header, rows, [3.4, 2.4, 3.8, 2.6, 4.4])


def full_matrix(w: Writer, header: list[str], fw: Framework, branding: Branding) -> None:
    palette = branding.level_colours(fw.info.level_ids)
    rows: list[list[Cell]] = []
    for d in fw.domains:
        rows.append([domain_heading(d), *(matrix_cell(fw, c, palette, short=True) for c in fw.cells_for_domain(d.id))])
    column = 3.0 if fw.info.per_party else 1.5  # a per-party cell's lines name their parties
    weights = [16.6 - column * len(fw.models), *([column] * len(fw.models))]
    w.table([*header, *(m.short_name for m in fw.models)], rows, weights, rotated_header_cm=2.6)


def components(w: Writer, header: list[str], fw: Framework, row_id: str) -> None:
    """One row's components: a line per component, the level of each of the components' parties."""
    assert fw.components is not None  # the wording asks for the table only when there are components
    table = fw.components
    rows: list[list[Cell]] = [
        [c.name, *(table.level(c.values[p.id]).label for p in table.parties)] for c in table.tables[row_id]
    ]
    weights = [16.6 - 3.0 * len(table.parties), *([3.0] * len(table.parties))]
    w.table([*header, *(p.name for p in table.parties)], rows, weights)


def changes_table(w: Writer, fw: Framework, name: str, header: list[str], view: dict) -> None:
    """Write the changed cells, or the added, removed, renamed and renumbered models and domains (each kind
    named by the framework's noun for its columns or rows)."""
    if name == "changed-cells":
        rows = [[c["cell_id"], c["domain_name"], c["model_name"], c["before"], c["after"]] for c in view["cells"]]
        w.table(header, rows, [5.2, 3.8, 2.8, 2.4, 2.4])
    else:
        items, axes = view["models_and_domains"], fw.info.axes
        noun = {"model": axes.columns.noun, "domain": axes.rows.noun}
        rows = [[i["change"], noun[i["kind"]], i["id"], i["name"], i["before"], i["after"]] for i in items]
        w.table(header, rows, [2.6, 2.0, 4.2, 4.2, 1.8, 1.8])


def _issue(control: pt.PolicyControl) -> str:
    return "First issue" if control.version == DocumentControl().version else f"Version {control.version}"


def _previous_version(fw: Framework, changes: Changes | None) -> str:
    if changes is None:
        return "No earlier version to compare with"
    return f"v{changes.old_version} ({pt.changes_appendix_name(fw)} lists the changes)"


def _follows(fw: Framework, changes: Changes | None) -> str:
    previous = f"the previous version was v{changes.old_version}" if changes else "there is no previous version"
    return f"Follows framework v{fw.info.version}; {previous}."
