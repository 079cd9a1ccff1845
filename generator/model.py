"""The typed, immutable model of a framework: the only thing renderers see.

Record classes mirror the YAML files field for field (the JSON Schema of the
data is generated from them); `Framework` joins them and derives the cells.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property

DEFAULT_FRAMEWORK = "ai-security-shared-responsibility"  # the framework used when none is named
RACI_LETTERS = ("R", "A", "C", "I")
# The default framework's two parties: the audience a framework has unless it names another (whose
# obligations the "Our obligations" page, sheet and section list), and the party whose duties stand beside it.
CUSTOMER_PARTY = "customer"
PROVIDER_PARTY = "provider"
ACCOUNTABLE, RESPONSIBLE = "A", "R"
AI_SPECIFIC_MARK = "★"  # after the name of an AI-specific domain, in every format


def doc(text: str, omit_default: bool = False) -> dict:
    """Field metadata: the description published in the JSON Schema.

    `omit_default`: outputs that dump records whole leave the field out while it has its default, so a
    framework that does not use a general feature renders as it did before the feature existed.
    """
    return {"doc": text, "omit_default": True} if omit_default else {"doc": text}


# --- framework.yaml -------------------------------------------------------


@dataclass(frozen=True)
class Principle:
    id: str
    name: str
    text: str


@dataclass(frozen=True)
class Party:
    id: str
    name: str
    description: str


@dataclass(frozen=True)
class Level:
    id: str
    label: str = field(metadata=doc("exactly as written in matrix cells"))
    short: str = field(metadata=doc("compact form for posters and narrow tables"))
    owners: tuple[str, ...] = field(metadata=doc("party ids that carry it; empty means not applicable"))
    definition: str
    accountable: str | None = field(
        default=None, metadata=doc("owner answerable for the outcome when several carry it (default: the first)")
    )
    parties: tuple[str, ...] = field(
        default=(),
        metadata=doc("per-party cells: the parties this value may be given to (default: any)", omit_default=True),
    )

    @property
    def applicable(self) -> bool:
        return bool(self.owners)

    def party_raci(self, party_ids: tuple[str, ...]) -> dict[str, str]:
        """Derive each party's R/A/C/I for a cell of this level ("" where it does not apply).

        Every owner is Responsible; the accountable owner (the only one, or the level's
        `accountable`) is also Accountable, written "R/A"; other parties are Informed.
        No owner (N/A): nobody.
        """
        if not self.owners:
            return dict.fromkeys(party_ids, "")
        answerable = self.accountable or self.owners[0]
        return {p: "R/A" if p == answerable else "R" if p in self.owners else "I" for p in party_ids}


@dataclass(frozen=True)
class Category:
    id: str
    name: str
    description: str


@dataclass(frozen=True)
class Axis:
    name: str = field(metadata=doc("what one row or column is called, singular, as a heading"))
    plural: str
    term: str = field(metadata=doc("the word running text uses for one, lower case: 'domain'"))
    qualifier: str = field(default="", metadata=doc("a word a title puts before the plural: 'AI' deployment models"))
    prose: str = field(default="", metadata=doc("running text's name for them all (default: the plural, lower case)"))
    definition: str = field(default="", metadata=doc("what one is, for a glossary (default: said from the other axis)"))

    @property
    def noun(self) -> str:
        """The short noun for one in running text, the term's last word: "domain", "model"."""
        return self.term.split()[-1]

    @property
    def nouns(self) -> str:
        """The short noun for many, the plural's last word in lower case: "domains", "models"."""
        return self.plural.split()[-1].lower()


@dataclass(frozen=True)
class Axes:
    rows: Axis = Axis(
        "Security domain",
        "Security domains",
        "domain",
        definition="An area of security for which the framework assigns an owner in each deployment model.",
    )
    columns: Axis = Axis(
        "Deployment model",
        "Deployment models",
        "deployment model",
        qualifier="AI",
        prose="ways of deploying AI",
        definition="A way of adopting AI that the framework distinguishes, from a ready-made SaaS service to "
        "self-hosted models, agents and coding assistants.",
    )


ONE_VALUE, PER_PARTY = "one", "per-party"  # what a matrix cell holds
CELL_VALUES = (ONE_VALUE, PER_PARTY)


@dataclass(frozen=True)
class FrameworkInfo:
    id: str
    title: str
    version: str
    release_date: str = field(metadata=doc("ISO date, YYYY-MM-DD"))
    author: str
    licence: str
    copyright: str
    source_url: str
    summary: str
    principles: tuple[Principle, ...]
    parties: tuple[Party, ...]
    levels: tuple[Level, ...] = field(metadata=doc("in legend order"))
    shared_split: Mapping[str, tuple[str, ...]] = field(metadata=doc("party id -> its duties in a Shared cell"))
    categories: tuple[Category, ...]
    critical_marker: str = field(metadata=doc("trailing marker of a critical focus cell"))
    axes: Axes = field(default=Axes(), metadata=doc("the names of the matrix rows and columns", omit_default=True))
    cell_values: str = field(
        default=ONE_VALUE,
        metadata=doc("one: a level per cell; per-party: a level per party in each cell", omit_default=True),
    )
    value_parties: tuple[str, ...] = field(
        default=(),
        metadata=doc("per-party cells: the parties given a value, in order (default: all)", omit_default=True),
    )
    audience: str = field(
        default=CUSTOMER_PARTY,
        metadata=doc("the party adopting the policy: whose obligations are listed", omit_default=True),
    )
    file_prefix: str | None = field(
        default=None, metadata=doc("start of the output file names (default: the generator's)", omit_default=True)
    )

    @property
    def per_party(self) -> bool:
        return self.cell_values == PER_PARTY

    @property
    def cell_parties(self) -> tuple[str, ...]:
        """The parties a per-party cell gives a value to, in order."""
        return self.value_parties or tuple(p.id for p in self.parties)

    @property
    def level_ids(self) -> tuple[str, ...]:
        """The level ids in legend order (the order fallback colours are given in)."""
        return tuple(v.id for v in self.levels)

    def mark_critical(self, text: str, critical: bool, gap: str = "") -> str:
        """Return a cell's level text, followed by `gap` and the critical focus marker when the cell is critical."""
        return f"{text}{gap}{self.critical_marker}" if critical else text


# --- models.yaml ----------------------------------------------------------


@dataclass(frozen=True)
class ExampleGroup:
    items: tuple[str, ...]
    label: str | None = None


@dataclass(frozen=True)
class Risk:
    level: str
    rationale: str
    variant: str | None = None


@dataclass(frozen=True)
class Note:
    title: str
    text: str
    url: str | None = None


@dataclass(frozen=True)
class Quote:
    text: str
    url: str | None = None
    author: str | None = None


@dataclass(frozen=True)
class DeploymentModel:
    id: str
    number: int
    name: str
    short_name: str = field(metadata=doc("as in the matrix header"))
    category: str = field(metadata=doc("a category id"))
    description: str
    examples: tuple[ExampleGroup, ...] = ()
    risk: tuple[Risk, ...] = ()
    key_characteristics: tuple[str, ...] = ()
    security_considerations: tuple[str, ...] = ()
    notes: tuple[Note, ...] = ()
    quote: Quote | None = None


@dataclass(frozen=True)
class ModelsFile:
    models: tuple[DeploymentModel, ...]


# --- domains.yaml ---------------------------------------------------------


@dataclass(frozen=True)
class NamedList:
    title: str
    items: tuple[str, ...]


@dataclass(frozen=True)
class Domain:
    id: str
    number: int
    name: str
    kind: str = field(metadata=doc("traditional or ai-specific"))
    focus: str
    description: str
    short_name: str | None = field(default=None, metadata=doc("as in the matrix row, when it differs"))
    key_controls: tuple[str, ...] = ()
    provider_aspects: tuple[str, ...] = ()
    organisation_aspects: tuple[str, ...] = ()
    ai_considerations: tuple[str, ...] = ()
    further_lists: tuple[NamedList, ...] = field(default=(), metadata=doc("other titled lists of v1.0.0"))
    key_considerations: str | None = None
    level_notes: Mapping[str, str] = field(default_factory=dict, metadata=doc("level id -> meaning here"))
    examples: Mapping[str, str] = field(default_factory=dict, metadata=doc("model id -> example"))

    @property
    def label(self) -> str:
        """Name as the matrix shows it."""
        return self.short_name or self.name

    @property
    def ai_specific(self) -> bool:
        return self.kind == "ai-specific"


DOMAIN_KINDS = ("traditional", "ai-specific")


@dataclass(frozen=True)
class DomainsFile:
    domains: tuple[Domain, ...]


# --- matrix.yaml and roles.yaml (grids) -----------------------------------


@dataclass(frozen=True)
class Grid:
    columns: tuple[str, ...]
    rows: Mapping[str, tuple[str, ...]] = field(default_factory=dict, metadata=doc("row id -> one value per column"))
    by_party: Mapping[str, Mapping[str, tuple[str, ...]]] = field(
        default_factory=dict, metadata=doc("per-party cells: party id -> row id -> one value per column")
    )


@dataclass(frozen=True)
class Role:
    id: str
    name: str
    description: str


@dataclass(frozen=True)
class RaciGrid:
    columns: tuple[str, ...] = field(metadata=doc("role ids"))
    rows: Mapping[str, tuple[str, ...]] = field(metadata=doc("domain id -> R, A, C or I per role"))
    rationale: Mapping[str, str] = field(metadata=doc("domain id -> why these defaults"))


@dataclass(frozen=True)
class RolesFile:
    roles: tuple[Role, ...]
    raci: RaciGrid


# --- references/<id>.yaml and mappings.yaml (crosswalks) -----------------

# OSCAL 1.2's mapping relationships (NIST IR 8477 set theory): how a domain relates to a target.
RELATIONSHIPS = ("equivalent-to", "subset-of", "superset-of", "intersects-with", "no-relationship")
NO_RELATIONSHIP = "no-relationship"


@dataclass(frozen=True)
class ReferenceItem:
    id: str = field(metadata={"pattern": r"^\S(.*\S)?$", **doc("the id as the framework writes it")})
    title: str = field(metadata=doc("short title: exact where the licence allows, else our own words"))


@dataclass(frozen=True)
class Reference:
    """A framework that auditors cite, as ids and short titles: the targets a crosswalk maps to."""

    id: str
    name: str
    short_name: str
    version: str
    publisher: str
    source_url: str
    licence: str
    titles: str = field(metadata=doc("where the titles come from: exact, or written in our own words"))
    items: tuple[ReferenceItem, ...]
    attribution: str | None = field(default=None, metadata=doc("credit the licence requires, shown with the ids"))


@dataclass(frozen=True)
class MapEntry:
    relationship: str = field(metadata=doc("equivalent-to, subset-of, superset-of, intersects-with, no-relationship"))
    rationale: str = field(metadata=doc("one line, in our own words"))
    target: str | None = field(default=None, metadata=doc("a target id; omitted only to mark a domain unmapped"))


@dataclass(frozen=True)
class MappingsFile:
    frameworks: Mapping[str, Mapping[str, tuple[MapEntry, ...]]] = field(
        metadata=doc("reference id -> domain id -> its targets (one no-relationship entry without target: unmapped)")
    )


@dataclass(frozen=True)
class DomainMap:
    """One domain's relation to one target of a reference; `target` is None for an explicitly unmapped domain."""

    domain_id: str
    target: ReferenceItem | None
    relationship: str
    rationale: str


@dataclass(frozen=True)
class Crosswalk:
    """The project's informative reading of how the domains map to one reference framework."""

    reference: Reference
    maps: tuple[DomainMap, ...] = field(metadata=doc("in domain order, then as written"))

    def for_domain(self, domain_id: str) -> tuple[DomainMap, ...]:
        return tuple(m for m in self.maps if m.domain_id == domain_id)

    def target_ids(self, domain_id: str) -> tuple[str, ...]:
        """The target ids a domain maps to (an unmapped domain and no-relationship entries give none)."""
        return tuple(m.target.id for m in self.for_domain(domain_id) if m.target and m.relationship != NO_RELATIONSHIP)


# --- components.yaml (optional) --------------------------------------------


@dataclass(frozen=True)
class ComponentLevel:
    id: str
    label: str
    short: str = field(metadata=doc("compact form for narrow tables"))
    definition: str


@dataclass(frozen=True)
class Component:
    name: str
    values: Mapping[str, str] = field(metadata=doc("party id -> a level id of the components file"))


@dataclass(frozen=True)
class ComponentsFile:
    """Tables of a row's components and what each of a set of parties does for each."""

    title: str
    description: str
    parties: tuple[Party, ...] = field(metadata=doc("the table columns, in order"))
    levels: tuple[ComponentLevel, ...] = field(metadata=doc("the values a table cell takes, in legend order"))
    tables: Mapping[str, tuple[Component, ...]] = field(metadata=doc("row id -> its components, in order"))

    def level(self, level_id: str) -> ComponentLevel:
        return next(v for v in self.levels if v.id == level_id)


# --- guidance.yaml --------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    name: str
    models: tuple[str, ...]
    note: str | None = None


@dataclass(frozen=True)
class Decision:
    model: str
    when: tuple[str, ...]


@dataclass(frozen=True)
class SelectionOption:
    level: str
    choice: str


@dataclass(frozen=True)
class SelectionFactor:
    name: str
    options: tuple[SelectionOption, ...]


@dataclass(frozen=True)
class NamedText:
    name: str
    text: str


@dataclass(frozen=True)
class UsageStep:
    action: str
    text: str


@dataclass(frozen=True)
class OutOfScopeExample:
    name: str
    note: str


@dataclass(frozen=True)
class OutOfScope:
    name: str
    description: str
    examples: tuple[OutOfScopeExample, ...]
    focus: tuple[str, ...]


@dataclass(frozen=True)
class Guidance:
    control_patterns: tuple[Pattern, ...] = ()
    complexity_patterns: tuple[Pattern, ...] = ()
    decision_guide: tuple[Decision, ...] = ()
    selection_factors: tuple[SelectionFactor, ...] = ()
    hybrid_deployments: tuple[NamedText, ...] = ()
    usage_steps: tuple[UsageStep, ...] = ()
    important_notes: tuple[NamedText, ...] = ()
    out_of_scope: OutOfScope | None = None


# --- the joined model -----------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One domain x model responsibility: a level, or (per-party frameworks) a level per party."""

    domain_id: str
    model_id: str
    level_id: str | None = field(metadata=doc("the cell's level; None where each party has its own"))
    critical: bool
    party_levels: Mapping[str, str] = field(
        default_factory=dict, metadata=doc("per-party cells: party id -> level id", omit_default=True)
    )

    @property
    def id(self) -> str:
        return f"{self.domain_id}.{self.model_id}"


@dataclass(frozen=True)
class RaciRow:
    domain_id: str
    letters: Mapping[str, str] = field(metadata=doc("role id -> letter"))
    rationale: str

    @property
    def accountable(self) -> str | None:
        """The accountable role id (None only in a framework that failed validation)."""
        return next(iter(accountable_roles(self.letters.items())), None)

    @property
    def responsible(self) -> tuple[str, ...]:
        """The responsible role ids, in role order."""
        return tuple(role for role, letter in self.letters.items() if letter == RESPONSIBLE)


def accountable_roles(letters: Iterable[tuple[str, str]]) -> list[str]:
    """Return the roles marked A in (role, letter) pairs; a valid RACI row has exactly one."""
    return [role for role, letter in letters if letter == ACCOUNTABLE]


@dataclass(frozen=True)
class Framework:
    info: FrameworkInfo
    models: tuple[DeploymentModel, ...]
    domains: tuple[Domain, ...]
    cells: tuple[Cell, ...] = field(metadata=doc("domain-major, in domain then model order"))
    roles: tuple[Role, ...]
    raci: tuple[RaciRow, ...]
    framework_model_count: int = field(
        metadata=doc("how many deployment models the whole framework has, also in an edition that uses fewer")
    )
    guidance: Guidance = Guidance()
    mappings: tuple[Crosswalk, ...] = field(default=(), metadata=doc("crosswalks to reference frameworks"))
    components: ComponentsFile | None = field(
        default=None, metadata=doc("tables of components by party", omit_default=True)
    )

    def restricted_to(self, model_ids: tuple[str, ...]) -> Framework:
        """Return the framework with only the given deployment models (and their cells)."""
        keep = set(model_ids)
        g = self.guidance

        def patterns(items: tuple[Pattern, ...]) -> tuple[Pattern, ...]:
            kept = (replace(p, models=tuple(m for m in p.models if m in keep)) for p in items)
            return tuple(p for p in kept if p.models)

        guidance = replace(
            g,
            control_patterns=patterns(g.control_patterns),
            complexity_patterns=patterns(g.complexity_patterns),
            decision_guide=tuple(d for d in g.decision_guide if d.model in keep),
        )
        return replace(
            self,
            models=tuple(m for m in self.models if m.id in keep),
            cells=tuple(c for c in self.cells if c.model_id in keep),
            guidance=guidance,
        )

    def model(self, model_id: str) -> DeploymentModel:
        return self._models_by_id[model_id]

    def domain(self, domain_id: str) -> Domain:
        return self._domains_by_id[domain_id]

    def level(self, level_id: str) -> Level:
        return self._levels_by_id[level_id]

    def cell(self, domain_id: str, model_id: str) -> Cell:
        return self._cells_by_id[f"{domain_id}.{model_id}"]

    def party(self, party_id: str) -> Party:
        return self._parties_by_id[party_id]

    def values(self, cell: Cell) -> tuple[tuple[Party | None, Level], ...]:
        """Return a cell's levels: one with no party, or one per party in the framework's party order."""
        if cell.level_id is not None:
            return ((None, self.level(cell.level_id)),)
        return tuple((self.party(p), self.level(cell.party_levels[p])) for p in self.info.cell_parties)

    def level_for(self, cell: Cell, party: str) -> Level:
        """Return the level a party holds in a cell: the cell's level, or the party's own in a per-party cell."""
        return self.level(cell.level_id if cell.level_id is not None else cell.party_levels[party])

    def owners(self, cell: Cell) -> tuple[str, ...]:
        """Return the parties that carry a cell: its level's owners, or each party whose own level it owns."""
        if cell.level_id is not None:
            return self.level(cell.level_id).owners
        return tuple(p.id for p, level in self.values(cell) if p is not None and p.id in level.owners)

    def cell_label(self, cell: Cell, gap: str = "", short: bool = False, between: str = "; ") -> str:
        """Return a cell's level as the matrix writes it (`short`: its compact form) with the critical marker.

        A per-party cell names each party before its level, `between` them.
        """
        texts = [
            (f"{party.name}: " if party else "") + (level.short if short else level.label)
            for party, level in self.values(cell)
        ]
        return self.info.mark_critical(between.join(texts), cell.critical, gap)

    # Lookups by id, each built on first use (a cached_property may be set on a frozen record).
    @cached_property
    def _models_by_id(self) -> dict[str, DeploymentModel]:
        return {m.id: m for m in self.models}

    @cached_property
    def _domains_by_id(self) -> dict[str, Domain]:
        return {d.id: d for d in self.domains}

    @cached_property
    def _levels_by_id(self) -> dict[str, Level]:
        return {v.id: v for v in self.info.levels}

    @cached_property
    def _parties_by_id(self) -> dict[str, Party]:
        return {p.id: p for p in self.info.parties}

    @cached_property
    def _cells_by_id(self) -> dict[str, Cell]:
        return {c.id: c for c in self.cells}

    def cells_for_model(self, model_id: str) -> tuple[Cell, ...]:
        return tuple(c for c in self.cells if c.model_id == model_id)

    def cells_for_domain(self, domain_id: str) -> tuple[Cell, ...]:
        return tuple(c for c in self.cells if c.domain_id == domain_id)
