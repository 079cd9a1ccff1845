"""An edition: what one build renders, as one value.

The reference build is the edition without a profile; an organisation's edition is the
framework tailored to its profile, in its branding, with its template overrides and assets.
`make_edition` is the one place that turns a framework, a profile and the command's options
into an edition, for `build`, `build --org`, `release` and the benchmark alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from generator.changes import Changes, compare
from generator.model import Framework
from generator.org.branding import Branding
from generator.org.profile import Profile
from generator.org.tailor import tailor
from generator.search_path import SearchPath


@dataclass(frozen=True)
class Edition:
    """Everything a build renders: the (tailored) framework, its look, where its files come from, what to make."""

    framework: Framework
    branding: Branding = field(default_factory=Branding)
    only: tuple[str, ...] | None = None  # format names to build; None builds every format
    search_path: SearchPath = field(default_factory=SearchPath)  # template and asset folders, overrides first
    changes: Changes | None = None  # against the previous framework version, tailored alike; None: first version


def make_edition(
    framework: Framework,
    profile: Profile | None = None,
    *,
    poster_size: str | None = None,
    only: Sequence[str] | None = None,
    previous: Framework | None = None,
) -> Edition:
    """Return the edition of `framework` for `profile` (None: the reference edition), with the command's options.

    `poster_size` overrides the profile's (whose default is the branding's); `only` selects formats;
    with `previous` (the version before `framework`, as published), the edition carries the changes
    since it, tailored as the edition is.
    """
    branding = profile.branding if profile else Branding()
    if profile is None and framework.info.file_prefix:
        branding = replace(branding, file_prefix=framework.info.file_prefix)
    if poster_size:
        branding = replace(branding, poster_size=poster_size)
    selected = tuple(only) if only else None
    if profile is None:
        return Edition(framework, branding, selected, changes=compare(previous, framework) if previous else None)
    tailored = tailor(framework, profile)
    return Edition(
        tailored,
        branding,
        selected,
        search_path=profile.search_path,
        changes=compare(tailor(previous, profile), tailored) if previous else None,
    )
