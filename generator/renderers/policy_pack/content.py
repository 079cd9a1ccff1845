"""What the policy says: the organisation's duties per security domain, as plain data.

The organisation adopting the policy is the framework's customer. Its duty in a cell
follows from who owns the cell's level: it operates what it owns alone, does its part
and confirms the provider's where ownership is shared, obtains assurance where the
provider owns the domain, and records why a domain does not apply (the kinds of duty
are defined in `generator.tables`, with the duty texts of the published tables).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from generator.model import (
    CUSTOMER_PARTY,
    PROVIDER_PARTY,
    Cell,
    DeploymentModel,
    Domain,
    Framework,
    Level,
    RaciRow,
    Role,
)
from generator.org.branding import Branding
from generator.tables import ASSURE, DUTIES, NOT_APPLICABLE, OPERATE, SHARE, duty

TITLE = "AI Security Policy"
ORGANISATION_PLACEHOLDER = "[Organisation name]"
EFFECTIVE_PLACEHOLDER = "[Date of approval]"  # an edition without an issue date takes effect when approved

DUTY_TITLES = {
    OPERATE: "Owned and operated by the organisation",
    SHARE: "Shared with the provider",
    ASSURE: "Assured from the provider",
    NOT_APPLICABLE: "Not applicable",
}
DUTY_SUMMARIES = {
    OPERATE: "Implement and operate the domain's controls itself",
    SHARE: "Carry out its own part and confirm that the provider carries out the provider's part",
    ASSURE: "Obtain assurance that the provider meets the domain",
    NOT_APPLICABLE: "Record why the domain does not apply and reassess it when the use changes",
}
ASSURANCE_MEANS_SHORT = "through contract clauses, independent attestations and periodic review"
ASSURANCE_MEANS = (
    (
        "Contract clauses",
        "commit the provider to its responsibilities, with a right to audit and prompt notice of security "
        "incidents and material changes.",
    ),
    (
        "Independent attestations",
        "such as SOC 2 Type II, ISO/IEC 27001 or ISO/IEC 42001 reports, are reviewed before adoption and at least "
        "once a year.",
    ),
    (
        "Periodic review",
        "of the provider's performance, incidents and changes takes place at least once a year, with findings "
        "tracked to closure.",
    ),
)


@dataclass(frozen=True)
class PolicyControl:
    """The policy's document control: title, owner, approver, dates, classification."""

    title: str
    organisation: str
    version: str
    status: str
    issued: date
    next_review: date
    review_months: int
    classification: str
    owner: str
    approver: str
    framework: str
    effective: str  # the issue date the organisation gave, or a placeholder to fill in on approval


@dataclass(frozen=True)
class Clause:
    """One paragraph of a statement, with an optional bold lead-in and a bulleted list."""

    text: str
    items: tuple[str, ...] = ()
    lead: str = ""
    critical: bool = False


@dataclass(frozen=True)
class Statement:
    """What the organisation shall do in one domain for the models that share one level."""

    number: str
    domain_id: str
    level_id: str
    duty: str
    level_label: str
    model_ids: tuple[str, ...]
    clauses: tuple[Clause, ...]

    @property
    def title(self) -> str:
        return f"{self.number} {DUTY_TITLES[self.duty]} ({self.level_label})"


@dataclass(frozen=True)
class DomainPolicy:
    """The policy for one security domain: who answers for it and what the organisation shall do."""

    domain: Domain
    accountable: Role
    responsible: tuple[Role, ...]
    statements: tuple[Statement, ...]


def policy_control(fw: Framework, branding: Branding, when: datetime) -> PolicyControl:
    """Return the document control of the policy built at `when` for `branding`'s organisation."""
    control = branding.document_control
    return PolicyControl(
        title=TITLE,
        organisation=branding.organisation or ORGANISATION_PLACEHOLDER,
        version=control.version,
        status=control.status,
        issued=control.issued(when),
        next_review=control.next_review(when),
        review_months=control.review_cycle_months,
        classification=branding.classification,
        owner=control.owner,
        approver=control.approver,
        framework=f"{fw.info.title} {fw.info.version}",
        effective=control.issue_date.isoformat() if control.issue_date else EFFECTIVE_PLACEHOLDER,
    )


def domain_policies(fw: Framework) -> tuple[DomainPolicy, ...]:
    """Return the policy of every domain, in domain order."""
    return tuple(domain_policy(fw, d) for d in fw.domains)


def domain_policy(fw: Framework, domain: Domain) -> DomainPolicy:
    """Return the policy of one domain over the framework's deployment models."""
    row = raci_row(fw, domain.id)
    if row.accountable is None:
        raise ValueError(f"domain {domain.id} has no accountable role in the RACI")
    roles = {r.id: r for r in fw.roles}
    return DomainPolicy(
        domain=domain,
        accountable=roles[row.accountable],
        responsible=tuple(roles[r] for r in row.responsible),
        statements=statements(fw, domain),
    )


def statements(fw: Framework, domain: Domain) -> tuple[Statement, ...]:
    """Group the domain's cells by level, heaviest duty first, and say what the organisation shall do."""
    cells = fw.cells_for_domain(domain.id)
    level_order = fw.info.level_ids
    level_ids = sorted(
        {c.level_id for c in cells}, key=lambda i: (DUTIES.index(duty(fw.level(i))), level_order.index(i))
    )
    result = []
    for n, level_id in enumerate(level_ids, 1):
        group = [c for c in cells if c.level_id == level_id]
        level = fw.level(level_id)
        result.append(
            Statement(
                number=f"{domain.number}.{n}",
                domain_id=domain.id,
                level_id=level_id,
                duty=duty(level),
                level_label=level.label,
                model_ids=tuple(c.model_id for c in group),
                clauses=clauses(fw, domain, level, group),
            )
        )
    return tuple(result)


def clauses(fw: Framework, domain: Domain, level: Level, cells: list[Cell]) -> tuple[Clause, ...]:
    """Return the clauses of one statement: the duty, then a note for each critical focus cell."""
    models = [fw.model(c.model_id) for c in cells]
    scope = f"For {join_names(m.short_name for m in models)} ({level.label})"
    note = domain.level_notes.get(level.id) or level.definition
    kind = duty(level)
    if kind == OPERATE:
        body = _operate(domain, scope, note)
    elif kind == SHARE:
        body = _share(fw, domain, scope, note)
    elif kind == ASSURE:
        body = _assure(domain, scope, note)
    else:
        body = (
            Clause(
                f"{scope}, this domain does not normally apply. {note} The organisation shall record this in its "
                "AI system inventory and reassess it whenever the way the system is used changes."
            ),
        )
    critical = tuple(_critical(domain, fw.model(c.model_id)) for c in cells if c.critical)
    return body + critical


def raci_row(fw: Framework, domain_id: str) -> RaciRow:
    return next(r for r in fw.raci if r.domain_id == domain_id)


def join_names(names) -> str:
    """Join names as English prose: "A", "A and B", "A, B and C"."""
    names = list(names)
    return " and ".join(names) if len(names) < 3 else f"{', '.join(names[:-1])} and {names[-1]}"


def _operate(domain: Domain, scope: str, note: str) -> tuple[Clause, ...]:
    controls = domain.key_controls or domain.organisation_aspects + domain.provider_aspects
    result = [
        Clause(f"{scope}, the organisation owns this domain. {note}"),
        Clause("The organisation shall implement and operate these controls:", controls),
    ]
    if domain.ai_considerations:
        result.append(Clause("It shall address these AI-specific considerations:", domain.ai_considerations))
    return tuple(result)


def _share(fw: Framework, domain: Domain, scope: str, note: str) -> tuple[Clause, ...]:
    own = domain.organisation_aspects or fw.info.shared_split.get(CUSTOMER_PARTY, ())
    theirs = domain.provider_aspects or fw.info.shared_split.get(PROVIDER_PARTY, ())
    return (
        Clause(f"{scope}, responsibility is shared with the provider. {note}"),
        Clause("The organisation shall carry out its own part:", own),
        Clause(f"It shall confirm, {ASSURANCE_MEANS_SHORT}, that the provider carries out its part:", theirs),
    )


def _assure(domain: Domain, scope: str, note: str) -> tuple[Clause, ...]:
    covering = domain.provider_aspects or domain.key_controls
    return (
        Clause(f"{scope}, the provider owns this domain. {note}"),
        Clause(
            f"The organisation shall obtain assurance, {ASSURANCE_MEANS_SHORT}, that the provider covers:", covering
        ),
    )


def _critical(domain: Domain, dm: DeploymentModel) -> Clause:
    text = (
        f"{dm.short_name} is a critical focus area of this domain. The organisation shall give it priority in risk "
        "assessment, testing and assurance."
    )
    example = domain.examples.get(dm.id)
    if example:
        text += f" Framework example: {example}."
    return Clause(text, lead="Critical focus: ", critical=True)
