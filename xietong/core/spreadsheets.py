"""Cells of every spreadsheet the platform writes (XLSX and CSV): no formula ever leaves it live.

OWASP's CSV injection guidance: a cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return is taken by spreadsheet programs for a formula (``=HYPERLINK(...)``, DDE payloads). Such text is
written with a leading apostrophe, and in XLSX every string is written as a string (data type ``s``),
never as a formula.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_like(value: object) -> bool:
    """True for text a spreadsheet program would take for a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def cell_safe(value: Any) -> Any:
    """The value as a spreadsheet may show it: formula-like text gets a leading apostrophe; others unchanged."""
    if formula_like(value):
        return "'" + value
    return value


def xlsx_text(cell: Any) -> Any:
    """The openpyxl cell with its string value kept as a string (openpyxl takes text starting with '=' for a formula)."""
    if isinstance(cell.value, str):
        cell.value = cell_safe(cell.value)
        cell.data_type = "s"
    return cell


def xlsx_row(ws: Any, values: Iterable[Any]) -> list[Any]:
    """A row for a write-only openpyxl sheet: each value made safe, strings written as strings."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import Cell

    cells = []
    for value in values:
        if isinstance(value, Cell):
            cells.append(xlsx_text(value))
        else:
            cells.append(xlsx_text(WriteOnlyCell(ws, value=cell_safe(value))))
    return cells


def csv_row(values: Iterable[Any]) -> list[Any]:
    """A row for ``csv.writer`` with each value made safe."""
    return [cell_safe(v) for v in values]


def cell_value(text: str) -> str:
    """What a cell written by `cell_safe` stands for: the apostrophe before formula-like text taken off."""
    if text[:1] == "'" and formula_like(text[1:]):
        return text[1:]
    return text


def neutralised(text: str) -> bool:
    """Whether a text (a whole CSV file) may hold a cell written by `cell_safe`: a quick test before any cell."""
    return any("'" + start in text for start in FORMULA_STARTS)
