"""Text safety for spreadsheet cells: nothing from the data or a profile may become a formula.

A spreadsheet evaluates a cell whose text starts with `=`, `+`, `-` or `@` (and, once
opened, a tab or carriage return in front of one). The workbook stores such text as a
string with Excel's quote prefix; the CSV prefixes it with a single quote, as OWASP
recommends for CSV injection.
"""

from __future__ import annotations

from generator.ooxml import xml_safe

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def formula_like(text: str) -> bool:
    """Tell whether a spreadsheet could read this text as a formula."""
    return text.startswith(FORMULA_TRIGGERS)


def safe_cell_text(text: str) -> str:
    """Return the text without characters that XML cannot hold (the workbook writes it as a string)."""
    return xml_safe(text)


def csv_value(value: object) -> object:
    """Return a CSV field that a spreadsheet shows as the text it is: formula-like text gets a leading `'`."""
    if isinstance(value, str) and formula_like(value):
        return "'" + value
    return value
