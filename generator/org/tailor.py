"""Apply an organisation profile to the framework: its models, its roles, its RACI."""

from __future__ import annotations

from dataclasses import replace

from generator import model
from generator.org.profile import Profile


def tailor(framework: model.Framework, profile: Profile) -> model.Framework:
    """Return the organisation's edition of the framework; canonical ids never change."""
    fw = framework.restricted_to(profile.models_in_use) if profile.models_in_use else framework
    spec = profile.roles
    roles = tuple(replace(r, name=spec.rename.get(r.id, r.name)) for r in fw.roles if r.id not in spec.drop) + tuple(
        spec.add
    )
    raci = []
    for row in fw.raci:
        letters = {r.id: row.letters.get(r.id, "I") for r in roles}
        overrides = profile.raci_overrides.get(row.domain_id, {})
        letters.update(overrides)
        rationale = row.rationale
        if overrides:
            rationale = f"{profile.branding.organisation} adapted this row. The default reasoning was: {rationale}"
        raci.append(replace(row, letters=letters, rationale=rationale))
    mappings = fw.mappings
    if profile.mappings is not None:
        mappings = tuple(w for w in fw.mappings if w.reference.id in profile.mappings)
    return replace(fw, roles=roles, raci=tuple(raci), mappings=mappings)
