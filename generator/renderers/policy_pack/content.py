"""The facts of the policy: its document control and the organisation's duties per security domain.

Its wording is in templates/word/policy.xml.j2 (policy_pack/wording.py renders it).

The organisation adopting the policy is the framework's audience party (the customer by
default). Its duty in a cell follows from who carries the cell: it operates what it carries
alone, does its part and confirms the others' where the work is shared, obtains assurance
where other parties carry the domain, and records why a domain does not apply (the kinds of
duty are defined in `generator.tables`, with the duty texts of the published tables).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from generator.model import AI_SPECIFIC_MARK, Cell, DeploymentModel, Domain, Framework, Level, RaciRow, Role
from generator.org.branding import Branding
from generator.tables import ASSURE, DUTIES, OPERATE, SHARE, cell_duty, duty

TITLE = "AI Security Policy"
ORGANISATION_PLACEHOLDER = "[Organisation name]"
EFFECTIVE_PLACEHOLDER = "[Date of approval]"  # an edition without an issue date takes effect when approved
OUT_OF_SCOPE_APPENDIX = "Appendix 3"


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
class CriticalFocus:
    """A critical focus cell of a statement: its model's short name and the framework's example, if any."""

    model_id: str
    model_name: str
    example: str


@dataclass(frozen=True)
class Statement:
    """What the organisation shall do in one domain for the models that share one level: the facts its wording uses.

    `own` is what the organisation does (its controls, or its part of a shared domain), `provider`
    the other parties' part or what they cover, `others` the names of those parties (the provider);
    the wording is in templates/word/policy.xml.j2.
    """

    number: str
    domain_id: str
    level_id: str
    duty: str
    level_label: str
    model_ids: tuple[str, ...]
    model_names: tuple[str, ...]
    note: str
    own: tuple[str, ...] = ()
    ai_considerations: tuple[str, ...] = ()
    provider: tuple[str, ...] = ()
    critical: tuple[CriticalFocus, ...] = ()
    others: tuple[str, ...] = ()


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
    """Group the domain's cells by the organisation's duty and level, heaviest duty first, with what each covers.

    The level is the organisation's own (the cell's, or its party's in a per-party framework); cells
    of one level whose work other parties carry are grouped by those parties.
    """
    cells = fw.cells_for_domain(domain.id)
    level_order = fw.info.level_ids
    groups: dict[tuple[str, str, tuple[str, ...]], list[Cell]] = {}
    for cell in cells:
        groups.setdefault(_group(fw, cell), []).append(cell)
    keys = sorted(groups, key=lambda k: (DUTIES.index(k[0]), level_order.index(k[1])))
    result = []
    for n, (kind, level_id, others) in enumerate(keys, 1):
        group = groups[kind, level_id, others]
        level = fw.level(level_id)
        models = [fw.model(c.model_id) for c in group]
        result.append(
            Statement(
                number=f"{domain.number}.{n}",
                domain_id=domain.id,
                level_id=level_id,
                duty=kind,
                level_label=level.label,
                model_ids=tuple(m.id for m in models),
                model_names=tuple(m.short_name for m in models),
                note=domain.level_notes.get(level.id) or level.definition,
                **_parts(fw, domain, kind, others),
                critical=tuple(_critical(domain, fw.model(c.model_id)) for c in group if c.critical),
                others=tuple(fw.party(p).name for p in others),
            )
        )
    return tuple(result)


def _group(fw: Framework, cell: Cell) -> tuple[str, str, tuple[str, ...]]:
    """Return a cell's statement: the organisation's duty, its level and the other parties carrying the cell."""
    audience = fw.info.audience
    others = tuple(p for p in fw.owners(cell) if p != audience)
    return cell_duty(fw, cell), fw.level_for(cell, audience).id, others


def level_duties(fw: Framework, level: Level) -> tuple[str, ...]:
    """Return the organisation's kinds of duty where it holds `level`, heaviest first.

    A level it holds in no cell gives the duty of the level's owners.
    """
    audience = fw.info.audience
    found = {cell_duty(fw, c) for c in fw.cells if fw.level_for(c, audience).id == level.id}
    return tuple(d for d in DUTIES if d in found) or (duty(level.owners, audience),)


def domain_heading(domain: Domain) -> str:
    """Return a domain's heading: number, name and the AI-specific mark."""
    return f"{domain.number}. {domain.name}" + (f" {AI_SPECIFIC_MARK}" if domain.ai_specific else "")


def changes_appendix_name(fw: Framework) -> str:
    """Return the changes appendix's name: it follows the out-of-scope appendix when there is one."""
    return f"Appendix {4 if fw.guidance.out_of_scope else 3}"


def raci_row(fw: Framework, domain_id: str) -> RaciRow:
    return next(r for r in fw.raci if r.domain_id == domain_id)


def _parts(fw: Framework, domain: Domain, kind: str, others: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Return what a duty covers: the organisation's own controls or part, the other parties' (`others`) part."""
    if kind == OPERATE:
        own = domain.key_controls or domain.organisation_aspects + domain.provider_aspects
        return {"own": own, "ai_considerations": domain.ai_considerations}
    if kind == SHARE:
        split = fw.info.shared_split
        return {
            "own": domain.organisation_aspects or split.get(fw.info.audience, ()),
            "provider": domain.provider_aspects or tuple(d for p in others for d in split.get(p, ())),
        }
    if kind == ASSURE:
        return {"provider": domain.provider_aspects or domain.key_controls}
    return {}


def _critical(domain: Domain, dm: DeploymentModel) -> CriticalFocus:
    return CriticalFocus(dm.id, dm.short_name, domain.examples.get(dm.id, ""))
