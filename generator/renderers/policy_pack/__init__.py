"""The Word policy pack: what the policy says (content), how it is laid out (sections) and the .docx (document)."""

from __future__ import annotations

from pathlib import Path

from generator.renderers.base import RenderContext
from generator.renderers.traits import Output, Traits

POLICY_DOCX = Output(
    "policy.docx",
    "a Word AI security policy to adopt: document control, roles, RACI, statements, annexes",
    "security leaders",
    beside=True,
)


class PolicyPack:
    name = "docx"
    description = "Word policy pack: an AI security policy to adopt, from templates/word/policy-pack.docx"
    traits = Traits(
        outputs=(POLICY_DOCX,), templates=("word", "fonts"), libraries=("python-docx", "docxtpl", "fonttools")
    )

    def render(self, ctx: RenderContext, out_dir: Path) -> list[Path]:
        from generator.renderers.policy_pack.document import render_policy_pack  # python-docx: only when rendering

        return render_policy_pack(ctx, out_dir)
