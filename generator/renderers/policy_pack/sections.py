"""The body of the policy pack, section by section, written through a `Writer`."""

from __future__ import annotations

from string import ascii_uppercase

from generator import tables
from generator.changes import Changes, changes_view
from generator.model import AI_SPECIFIC_MARK, Crosswalk, DeploymentModel, Domain, Framework
from generator.org.branding import Branding, DocumentControl, LevelColours
from generator.renderers.policy_pack import content as pt
from generator.renderers.policy_pack.word_writer import Cell, Shaded, Writer, strong
from generator.tables import obligation_rows

CRITICAL = "Critical focus"
RACI_KEY = (
    ("R", "Responsible", "does the work"),
    ("A", "Accountable", "answers for the outcome and signs it off; exactly one role per domain"),
    ("C", "Consulted", "is asked for advice before decisions"),
    ("I", "Informed", "is kept up to date"),
)
DUTY_SHORT = {
    tables.OPERATE: "Operate",
    tables.SHARE: "Do its part, confirm",
    tables.ASSURE: "Obtain assurance",
    tables.NOT_APPLICABLE: "Record why N/A",
}
OUT_OF_SCOPE_APPENDIX = "Appendix 3"
OBLIGATIONS = "Our obligations"


def write_body(
    w: Writer, fw: Framework, control: pt.PolicyControl, branding: Branding, changes: Changes | None = None
) -> None:
    """Write every section of the policy after the cover and contents."""
    policies = pt.domain_policies(fw)
    document_control(w, fw, control, changes)
    introduction(w, fw, control)
    roles(w, fw)
    obligations(w, fw)
    policy_statements(w, fw, policies)
    for letter, dm in zip(ascii_uppercase, fw.models, strict=False):
        annex(w, fw, letter, dm, policies, branding)
    for letter, walk in zip(ascii_uppercase[len(fw.models) :], fw.mappings, strict=False):
        mapping_annex(w, fw, letter, walk)
    full_matrix(w, fw, branding)
    glossary(w, fw)
    out_of_scope(w, fw)
    changes_appendix(w, fw, changes)


def domain_heading(domain: Domain) -> str:
    """Return a domain's heading: number, name and the AI-specific mark."""
    return f"{domain.number}. {domain.name}" + (f" {AI_SPECIFIC_MARK}" if domain.ai_specific else "")


def annex_heading(letter: str, dm: DeploymentModel) -> str:
    return f"Annex {letter}: {dm.name}"


def level_cell(text: str, colours: LevelColours) -> Shaded:
    """Return a table cell in a responsibility level's colours."""
    return Shaded(text, colours.fill, colours.text)


# --- front matter -------------------------------------------------------------


def document_control(w: Writer, fw: Framework, control: pt.PolicyControl, changes: Changes | None = None) -> None:
    w.heading("Document control", 1)
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
    w.table(["Item", "Value"], facts, [4.6, 12.0])
    w.heading("Version history", 2)
    w.table(
        ["Version", "Date", "Author", "Changes"],
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
    w.heading("Approval", 2)
    w.table(
        ["Role", "Name", "Signature", "Date"],
        [[control.owner, "[Name]", "[Signature]", "[Date]"], [control.approver, "[Name]", "[Signature]", "[Date]"]],
        [5.6, 4.0, 4.0, 3.0],
    )


def introduction(w: Writer, fw: Framework, control: pt.PolicyControl) -> None:
    info, org = fw.info, control.organisation
    w.heading("Introduction", 1)
    w.heading("Purpose", 2)
    w.paragraph(
        f"This policy sets out how {org} secures the artificial intelligence (AI) systems it adopts, builds and "
        "operates. For each security domain and each deployment model in scope it states what the organisation "
        "shall do, and names the internal role accountable for it."
    )
    w.paragraph(
        f"It adopts the {info.title} version {info.version} by {info.author} ({info.source_url}, {info.licence} "
        f"licence). {info.summary}"
    )
    w.paragraph(
        f"In this policy {org} is the framework's customer; the provider is the organisation that supplies an AI "
        "service, platform, infrastructure or model. Shall marks a mandatory requirement."
    )
    w.heading("Scope", 2)
    w.paragraph(
        f"This policy applies to every AI system that {org} adopts, builds or operates in the deployment models "
        "below, and to the staff, contractors and third parties who do so on its behalf."
    )
    for dm in fw.models:
        w.bullet(strong(f"{dm.name}: "), dm.description)
    w.paragraph(
        "A deployment model not listed here is outside this edition of the policy: adopting one requires the "
        "policy to be extended first."
    )
    if fw.guidance.out_of_scope:
        w.paragraph(
            f"{fw.guidance.out_of_scope.name}, in which AI works only behind the scenes, are outside the scope of "
            f"this policy; {OUT_OF_SCOPE_APPENDIX} says how they are handled."
        )
    w.heading("Key principles", 2)
    for principle in info.principles:
        w.bullet(strong(f"{principle.name}: "), principle.text)
    responsibility_levels(w, fw)
    w.heading("Compliance, exceptions and review", 2)
    w.paragraph(
        f"Compliance with this policy is mandatory for everyone who selects, builds, operates or uses AI systems "
        f"on behalf of {org}. The document owner ({control.owner}) monitors compliance and reports to the approver "
        f"({control.approver})."
    )
    w.paragraph(
        f"Exceptions shall be requested in writing, assessed for risk, approved by the approver ({control.approver}) "
        "for a limited period and recorded in the risk register."
    )
    w.paragraph(
        f"This policy shall be reviewed at least every {control.review_months} months, and whenever the organisation "
        f"adopts a new deployment model or a new version of the framework is published. The next review is due by "
        f"{control.next_review.isoformat()}."
    )


def responsibility_levels(w: Writer, fw: Framework) -> None:
    w.heading("Responsibility levels", 2)
    w.paragraph("The framework assigns each security domain, in each deployment model, one of these levels:")
    rows = [[v.label, v.definition, pt.DUTY_SUMMARIES[tables.duty(v)]] for v in fw.info.levels]
    w.table(["Level", "Meaning", "The organisation shall"], rows, [2.4, 7.2, 7.0])
    parties = {p.id: p.name for p in fw.info.parties}
    if fw.info.shared_split:
        w.paragraph("Unless a domain says otherwise, a Shared responsibility divides the work as follows:")
        for party_id, duties in fw.info.shared_split.items():
            w.bullet(strong(f"{parties.get(party_id, party_id)}: "), "; ".join(duties))
    w.paragraph(
        f"{AI_SPECIFIC_MARK} marks the security domains specific to AI. {CRITICAL} marks a pairing of domain and "
        f"deployment model that the framework flags for particular attention ({fw.info.critical_marker} in the tables)."
    )
    w.heading("Provider assurance", 2)
    w.paragraph(
        "Where this policy requires the organisation to obtain assurance from a provider, or to confirm the "
        "provider's part of a shared responsibility, it shall do so through:"
    )
    for name, text in pt.ASSURANCE_MEANS:
        w.bullet(strong(f"{name} "), text)


# --- roles ---------------------------------------------------------------------


def roles(w: Writer, fw: Framework) -> None:
    w.heading("Roles and responsibilities", 1)
    w.paragraph(
        "These internal roles carry out the organisation's part of AI security. The assignments are the "
        "framework project's defaults; adapt them to the organisation's structure before approval."
    )
    w.heading("Internal roles", 2)
    w.table(["Role", "Description"], [[r.name, r.description] for r in fw.roles], [4.6, 12.0])
    w.heading("RACI matrix", 2)
    w.paragraph("For the organisation's side of each security domain, each role is:")
    for letter, name, meaning in RACI_KEY:
        w.bullet(strong(f"{letter} ({name}): "), meaning)
    role_ids = [r.id for r in fw.roles]
    rows = [[domain_heading(fw.domain(row.domain_id)), *(row.letters[r] for r in role_ids)] for row in fw.raci]
    weights = [16.6 - 1.3 * len(role_ids), *([1.3] * len(role_ids))]
    w.table(["Security domain", *(r.name for r in fw.roles)], rows, weights, rotated_header_cm=4.4)


def obligations(w: Writer, fw: Framework) -> None:
    """List every Customer and Shared cell of the models in scope with the role accountable for it."""
    rows = obligation_rows(fw)
    w.heading(OBLIGATIONS, 1)
    w.paragraph(
        f"The organisation carries {len(rows)} responsibilities, alone (Customer) or with the provider (Shared), "
        f"across the {len(fw.models)} deployment models in scope. Each is owned by the accountable role below; "
        f"{fw.info.critical_marker} marks a critical focus area."
    )
    for dm in fw.models:
        mine = [r for r in rows if r["model_id"] == dm.id]
        w.heading(f"{dm.name} ({len(mine)})", 2)
        body = [
            [
                domain_heading(fw.domain(r["domain_id"])),
                fw.info.mark_critical(r["level"], r["critical_focus"] == "Yes"),
                r["accountable_role"],
                r["responsible_roles"],
            ]
            for r in mine
        ]
        w.table(["Security domain", "Level", "Accountable", "Responsible"], body, [6.0, 2.4, 3.8, 4.4])


# --- policy statements ---------------------------------------------------------------


def policy_statements(w: Writer, fw: Framework, policies: tuple[pt.DomainPolicy, ...]) -> None:
    w.heading("Policy statements", 1)
    w.paragraph(
        "Each security domain below states what the organisation shall do in every deployment model in scope, "
        "grouped by who owns the domain in that model. The accountable role answers for the whole domain; the "
        "responsible roles do the work (see Roles and responsibilities)."
    )
    for policy in policies:
        domain_statements(w, fw, policy)


def domain_statements(w: Writer, fw: Framework, policy: pt.DomainPolicy) -> None:
    d = policy.domain
    w.heading(domain_heading(d), 2)
    w.paragraph(strong("Objective: "), f"{d.focus}. {d.description}")
    responsible = ", ".join(r.name for r in policy.responsible) or "the accountable role"
    w.paragraph(strong("Accountable: "), f"{policy.accountable.name}. ", strong("Responsible: "), f"{responsible}.")
    for statement in policy.statements:
        w.heading(statement.title, 3)
        for clause in statement.clauses:
            if clause.lead:
                w.paragraph((clause.lead, "Intense Emphasis" if clause.critical else "Strong"), clause.text)
            else:
                w.paragraph(clause.text)
            w.bullets(clause.items)


# --- annexes and appendices ----------------------------------------------------------


def annex(
    w: Writer,
    fw: Framework,
    letter: str,
    dm: DeploymentModel,
    policies: tuple[pt.DomainPolicy, ...],
    branding: Branding,
) -> None:
    w.heading(annex_heading(letter, dm), 1)
    w.paragraph(dm.description)
    category = next((c.name for c in fw.info.categories if c.id == dm.category), dm.category)
    w.paragraph(strong("Category: "), category)
    for risk in dm.risk:
        label = f"Risk: {risk.level}" + (f" ({risk.variant})" if risk.variant else "")
        w.paragraph(strong(f"{label}. "), risk.rationale)
    examples = "; ".join((f"{g.label}: " if g.label else "") + ", ".join(g.items) for g in dm.examples)
    w.paragraph(strong("Examples: "), f"{examples}.")
    w.paragraph(strong("Security considerations: "), f"{'; '.join(dm.security_considerations)}.")
    w.paragraph(f"Responsibilities for {dm.name}", style="Caption")
    palette = branding.level_colours(fw.info.level_ids)
    rows: list[list[Cell]] = []
    for policy in policies:
        cell = fw.cell(policy.domain.id, dm.id)
        statement = next(s for s in policy.statements if dm.id in s.model_ids)
        duty = DUTY_SHORT[tables.duty(fw.level(cell.level_id))]
        level = level_cell(fw.cell_label(cell), palette[cell.level_id])
        rows.append([domain_heading(policy.domain), level, duty, statement.number, policy.accountable.name])
    header = ["Security domain", "Level", "Organisation's duty", "Statement", "Accountable role"]
    w.table(header, rows, [4.8, 2.2, 3.8, 2.4, 3.4])
    critical = [policy.domain for policy in policies if fw.cell(policy.domain.id, dm.id).critical]
    if critical:
        w.paragraph(
            strong(f"{CRITICAL} areas ({fw.info.critical_marker}): "),
            "the framework flags these domains for particular attention:",
        )
        w.bullets([domain_heading(d) for d in critical])
    else:
        w.paragraph(
            strong(f"{CRITICAL} areas: "),
            "the framework flags no domain of this model; every Customer and Shared domain above still applies.",
        )


def mapping_annex_heading(letter: str, walk: Crosswalk) -> str:
    return f"Annex {letter}: How this policy maps to {walk.reference.short_name} {walk.reference.version}"


def mapping_annex(w: Writer, fw: Framework, letter: str, walk: Crosswalk) -> None:
    """How each security domain of the policy relates to one framework auditors cite."""
    ref = walk.reference
    w.heading(mapping_annex_heading(letter, walk), 1)
    w.paragraph(
        f"How each security domain of this policy relates to {ref.name} {ref.version} ({ref.publisher}). "
        "This is the informative reading of the project that publishes the generator, not an official mapping: "
        "use it to find where this policy's evidence belongs in a register organised by that framework. "
        "The relationship is read from the domain to the target; no-relationship means nothing fits."
    )
    credit = f" {ref.attribution}." if ref.attribution else ""
    w.paragraph(strong("Source: "), f"{ref.source_url}. Licence: {ref.licence}.{credit} {ref.titles}")
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
    w.table(["Security domain", ref.short_name, "Title", "Relationship", "Rationale"], rows, [3.4, 2.4, 3.8, 2.6, 4.4])


def full_matrix(w: Writer, fw: Framework, branding: Branding) -> None:
    w.heading("Appendix 1: Full responsibility matrix", 1)
    w.paragraph(f"Who owns each security domain in each deployment model of the {fw.info.title} {fw.info.version}.")
    marker = fw.info.critical_marker
    palette = branding.level_colours(fw.info.level_ids)
    rows: list[list[Cell]] = []
    for d in fw.domains:
        levels = [level_cell(fw.cell_label(c, short=True), palette[c.level_id]) for c in fw.cells_for_domain(d.id)]
        rows.append([domain_heading(d), *levels])
    weights = [16.6 - 1.5 * len(fw.models), *([1.5] * len(fw.models))]
    header = ["Security domain", *(m.short_name for m in fw.models)]
    w.table(header, rows, weights, rotated_header_cm=2.6)
    key = [f"{v.short} = {v.label}" for v in fw.info.levels if v.short != v.label]
    key += [f"{marker} = {CRITICAL.lower()} area", f"{AI_SPECIFIC_MARK} = AI-specific domain"]
    w.paragraph(strong("Key: "), "; ".join(key) + ".")


def glossary(w: Writer, fw: Framework) -> None:
    w.heading("Appendix 2: Glossary", 1)
    rows = sorted(glossary_terms(fw).items(), key=lambda item: item[0].casefold())
    w.table(["Term", "Meaning"], [list(row) for row in rows], [4.6, 12.0])


def glossary_terms(fw: Framework) -> dict[str, str]:
    """Return the glossary: the framework's own terms, its levels and parties, and the RACI letters."""
    ai_domains = pt.join_names(d.name for d in fw.domains if d.ai_specific)
    terms = {
        f"AI-specific domain ({AI_SPECIFIC_MARK})": "A security domain that arises from AI itself: "
        f"{ai_domains or 'none'}.",
        "Assurance": "Evidence, such as contract terms, independent attestations and reviews, that a provider "
        "meets its responsibilities.",
        f"{CRITICAL} area": "A pairing of security domain and deployment model that the framework flags for "
        f"particular attention; marked {fw.info.critical_marker} in the matrix.",
        "Deployment model": "A way of adopting AI that the framework distinguishes, from a ready-made SaaS "
        "service to self-hosted models, agents and coding assistants.",
        "RACI": "A chart of the roles Responsible, Accountable, Consulted and Informed for each security domain.",
        "Security domain": "An area of security for which the framework assigns an owner in each deployment model.",
    }
    terms |= {
        f"{name} ({letter})": f"In the RACI matrix, the role that {meaning}." for letter, name, meaning in RACI_KEY
    }
    terms |= {c.name: c.description for c in fw.info.categories}
    parties = {p.name: p.description for p in fw.info.parties}
    for level in fw.info.levels:
        if level.label in parties:
            terms[level.label] = f"{parties.pop(level.label)} As a responsibility level: {level.definition}"
        else:
            terms[level.label] = level.definition
    return terms | parties


def out_of_scope(w: Writer, fw: Framework) -> None:
    oos = fw.guidance.out_of_scope
    if oos is None:
        return
    w.heading(f"{OUT_OF_SCOPE_APPENDIX}: {oos.name} (out of scope)", 1)
    w.paragraph(oos.description)
    w.paragraph(strong("Examples:"))
    for example in oos.examples:
        w.bullet(strong(f"{example.name}: "), example.note)
    w.paragraph("The organisation shall manage these products through vendor management and compliance:")
    w.bullets(oos.focus)


def changes_appendix(w: Writer, fw: Framework, changes: Changes | None) -> None:
    """List what changed from the previous framework version, or say there is no previous version."""
    view = changes_view(changes, fw)
    w.heading(f"{changes_appendix_name(fw)}: Changes from the previous framework version", 1)
    if view["previous_version"] is None:
        w.paragraph(view["summary"])
        return
    w.paragraph(
        f"This edition follows framework v{fw.info.version}; the previous version was v{view['previous_version']}. "
        f"{view['summary']} Ids never change meaning: a domain or model keeps its id when its number or name changes."
    )
    w.heading(f"Responsibility changes ({len(view['cells'])} cells)", 2)
    if view["cells"]:
        rows = [[c["cell_id"], c["domain_name"], c["model_name"], c["before"], c["after"]] for c in view["cells"]]
        header = ["Cell id", "Security domain", "Deployment model", "Before", "After"]
        w.table(header, rows, [5.2, 3.8, 2.8, 2.4, 2.4])
    else:
        w.paragraph("No cell changed.")
    w.heading("Deployment models and security domains", 2)
    items = view["models_and_domains"]
    if items:
        rows = [[i["change"], i["kind"], i["id"], i["name"], i["before"], i["after"]] for i in items]
        w.table(["Change", "Kind", "Id", "Name", "Before", "After"], rows, [2.6, 2.0, 4.2, 4.2, 1.8, 1.8])
    else:
        w.paragraph("No deployment model or security domain was added, removed, renamed or renumbered.")


def changes_appendix_name(fw: Framework) -> str:
    """Return the changes appendix's name: it follows the out-of-scope appendix when there is one."""
    return f"Appendix {4 if fw.guidance.out_of_scope else 3}"


def _issue(control: pt.PolicyControl) -> str:
    return "First issue" if control.version == DocumentControl().version else f"Version {control.version}"


def _previous_version(fw: Framework, changes: Changes | None) -> str:
    if changes is None:
        return "No earlier version to compare with"
    return f"v{changes.old_version} ({changes_appendix_name(fw)} lists the changes)"


def _follows(fw: Framework, changes: Changes | None) -> str:
    previous = f"the previous version was v{changes.old_version}" if changes else "there is no previous version"
    return f"Follows framework v{fw.info.version}; {previous}."
