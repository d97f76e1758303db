"""Label/value pairs from HTML: tables, definition lists and ``id="field_x"`` elements."""

from __future__ import annotations

import re
from typing import NamedTuple

from .htmldoc import BOLD, CELLS, Node, text_of
from .labels import field_for_label, is_plausible_label


class Pair(NamedTuple):
    label: str  # as written, without the trailing colon
    value: str


# The original feature's convention: id="field_<lead field>" and id="custom_field_<id>".
_FIELD_ID = re.compile(r"^field_([a-z_]+)$")
_CUSTOM_ID = re.compile(r"^custom_field_([\w-]+)$")
FIELD_ID_ALIASES = {
    "name": "name",
    "full_name": "name",
    "first_name": "first_name",
    "firstname": "first_name",
    "last_name": "last_name",
    "lastname": "last_name",
    "email": "email",
    "phone": "phone",
    "phonenumber": "phone",
    "phone_number": "phone",
    "company": "company",
    "company_name": "company",
    "title": "title",
    "website": "website",
    "address": "address",
    "city": "city",
    "state": "state",
    "zip": "zip",
    "zip_code": "zip",
    "country": "country",
    "description": "description",
    "message": "description",
}


class IdFields(NamedTuple):
    fields: list[tuple[str, str, str]]  # (lead field, element id, raw value)
    extra: list[Pair]  # custom_field_<id> and unknown field_<x>


def fields_by_id(root: Node) -> IdFields:
    fields: list[tuple[str, str, str]] = []
    extra: list[Pair] = []
    for node in root.elements():
        element_id = node.attrs.get("id", "").strip().lower()
        if "field_" not in element_id:
            continue
        value = text_of(node)
        if match := _FIELD_ID.match(element_id):
            lead_field = FIELD_ID_ALIASES.get(match.group(1))
            if lead_field:
                fields.append((lead_field, element_id, value))
            else:
                extra.append(Pair(element_id, value))
        elif _CUSTOM_ID.match(element_id):
            extra.append(Pair(element_id, value))
    return IdFields(fields, extra)


def structured_pairs(root: Node) -> list[Pair]:
    """Pairs laid out as table rows or definition lists, in document order."""
    pairs: list[Pair] = []
    for node in root.elements():
        if node.tag == "table":
            pairs.extend(_keep_if_form_like(_table_pairs(node)))
        elif node.tag == "dl":
            pairs.extend(_definition_pairs(node))
    return pairs


def _keep_if_form_like(pairs: list[Pair]) -> list[Pair]:
    """A layout table yields a stray "pair" now and then; a form table yields several."""
    if len(pairs) >= 2 or any(field_for_label(pair.label) for pair in pairs):
        return pairs
    return []


def _rows(table: Node) -> list[Node]:
    """Rows of this table only; rows of nested tables belong to those tables."""
    rows: list[Node] = []
    stack = list(reversed(table.child_elements()))
    while stack:
        node = stack.pop()
        if node.tag == "tr":
            rows.append(node)
        elif node.tag != "table":
            stack.extend(reversed(node.child_elements()))
    return rows


def _table_pairs(table: Node) -> list[Pair]:
    pairs: list[Pair] = []
    pending = ""
    for row in _rows(table):
        cells = _row_cells(row)
        if cells is None:  # a layout row wrapping another table
            pending = ""
            continue
        texts = [text for text in (text_of(cell) for cell in cells) if text]
        if cells and all(cell.tag == "th" for cell in cells) and len(texts) > 1:
            pending = ""  # a column header row: "Field | Value"
        elif len(texts) == 2 and _cell_is_label(cells, texts[0]):
            pairs.append(Pair(_strip_label(texts[0]), texts[1]))
            pending = ""
        elif len(texts) == 1 and pending:
            pairs.append(Pair(pending, texts[0]))
            pending = ""
        elif len(texts) == 1 and _looks_like_heading_cell(cells, texts[0]):
            pending = _strip_label(texts[0])
        else:
            pending = ""
    return pairs


def _row_cells(row: Node) -> list[Node] | None:
    cells = row.child_elements(*CELLS)
    if any(cell.contains("table") for cell in cells):
        return None
    return cells


def _cell_is_label(cells: list[Node], text: str) -> bool:
    return is_plausible_label(_strip_label(text)) and "\n" not in text.strip()


def _looks_like_heading_cell(cells: list[Node], text: str) -> bool:
    """A row holding only a label: bold, a <th>, ending in ':' or '?', or a known label."""
    label = _strip_label(text)
    if not is_plausible_label(label) or "\n" in text:
        return False
    cell = next(c for c in cells if text_of(c))
    emphasised = cell.tag == "th" or _is_bold(cell)
    return emphasised or text.rstrip().endswith((":", "?")) or bool(field_for_label(label))


def _is_bold(cell: Node) -> bool:
    """All visible text of the cell sits inside <b>/<strong> (or a bold style)."""
    bold_text = "".join(text_of(node) for node in cell.elements() if node.tag in BOLD)
    styled = "bold" in cell.attrs.get("style", "") or any(
        "font-weight:bold" in node.attrs.get("style", "").replace(" ", "")
        or "font-weight:700" in node.attrs.get("style", "").replace(" ", "")
        for node in cell.elements()
    )
    return styled or (bold_text.strip() != "" and bold_text.strip() == text_of(cell).strip())


def _definition_pairs(dl: Node) -> list[Pair]:
    pairs: list[Pair] = []
    label = ""
    for node in dl.child_elements("dt", "dd", "div"):
        items = node.child_elements("dt", "dd") if node.tag == "div" else [node]
        for item in items:
            if item.tag == "dt":
                label = _strip_label(text_of(item))
            elif label:
                pairs.append(Pair(label, text_of(item)))
                label = ""
    return pairs


def _strip_label(text: str) -> str:
    return text.strip().rstrip(":\uff1a").strip().strip("*").strip()
