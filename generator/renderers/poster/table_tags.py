"""Table header links in the poster's tag tree, from the HTML's `id`, `headers` and `scope`.

WeasyPrint tags a table's cells (TH, TD) but guesses each data cell's headers from position
alone: a header spanning several columns counts for its first column only, a row-group header
for none, and no header cell gets a `/Scope`. So the template names every data cell's headers
(`headers="<id> <id> ..."`, as HTML does) and this finisher writes them into the tag tree: each
cell's `/Headers` lists the `/ID`s of the header cells its `headers` attribute names, and each
header cell with a `scope` gets `/Scope` (`row` and `rowgroup`: `/Row`; `col` and `colgroup`:
`/Column`). A cell without a `headers` attribute keeps WeasyPrint's guess.
"""

from __future__ import annotations

SCOPES = {"row": "/Row", "rowgroup": "/Row", "col": "/Column", "colgroup": "/Column"}


class TableTagError(ValueError):
    """A table cell names a header cell that does not exist."""


def link_table_headers(document, pdf) -> None:
    """WeasyPrint finisher: set `/Headers` and `/Scope` of every tagged table cell from its HTML attributes."""
    import pydyf

    cells = [
        box
        for page in document.pages
        for box in page._page_box.descendants()
        if box.element_tag in ("th", "td") and isinstance(getattr(box, "mark", None), pydyf.Dictionary)
    ]
    ids = {box.element.get("id"): box.mark["ID"] for box in cells if box.element.get("id") and "ID" in box.mark}
    for box in cells:
        attributes = box.mark["A"]
        names = (box.element.get("headers") or "").split()
        unknown = [name for name in names if name not in ids]
        if unknown:
            raise TableTagError(f"a table cell names headers {', '.join(unknown)}: no header cell has that id")
        if names:
            attributes["Headers"] = pydyf.Array([ids[name] for name in names])
        if box.element_tag == "th" and box.element.get("scope") in SCOPES:
            attributes["Scope"] = SCOPES[box.element.get("scope")]
