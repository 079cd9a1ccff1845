"""The floor: import the libraries the build uses and render a trivial document with each.

A full build cannot be faster than this process; `bench.py` times the two side by side. It
runs and leaves as `python -m generator` does (the collector's threshold of 20,000 allocations,
and `gc.freeze()` before exit, skipping the interpreter's final collections), so the ratio
compares the work, not how the interpreter is tuned.
"""

from __future__ import annotations

import gc
import io
import sys
import tempfile
from pathlib import Path

gc.set_threshold(20_000, 10, 10)  # as generator/__main__.py sets it, before the libraries' imports


def main() -> int:
    import docx
    import jinja2
    import openpyxl
    import yaml
    from docxtpl import DocxTemplate
    from weasyprint import HTML

    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch)
        text = jinja2.Environment().from_string("{{ name }}").render(name=yaml.safe_load("name: floor")["name"])
        (out / "page.md").write_text(text, encoding="utf-8")
        book = openpyxl.Workbook()
        book.active["A1"] = text
        book.save(out / "book.xlsx")
        template = io.BytesIO()
        document = docx.Document()
        document.add_paragraph("{{ name }}")
        document.save(template)
        template.seek(0)
        policy = DocxTemplate(template)
        policy.render({"name": text})
        policy.save(out / "policy.docx")
        (out / "poster.pdf").write_bytes(HTML(string=f"<p>{text}</p>").write_pdf())
    return 0


if __name__ == "__main__":
    status = main()
    gc.freeze()
    sys.exit(status)
