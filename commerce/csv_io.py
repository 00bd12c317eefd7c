"""The product CSV: reading a file into checked rows (every bad line reported by its number)
and writing the catalogue out in the same columns, so an export imports back unchanged."""

import csv
import io
from dataclasses import dataclass

from kaiu.currencies import minor_unit_digits, parse_money

COLUMNS = ["sku", "name", "variant_name", "description", "price", "stock", "is_active", "weight_grams"]
REQUIRED = ("sku", "name", "price")
MAX_ROWS = 5000
_YES, _NO = {"1", "true", "yes", "si", "sí", "y"}, {"0", "false", "no", "n"}
# A spreadsheet runs a cell starting with these as a formula: exported cells are quoted with '.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class ProductRow:
    line: int
    sku: str
    name: str
    price: int
    variant_name: str | None = None  # None: the column is absent, keep what the product has
    description: str | None = None
    stock: int | None = None
    is_active: bool | None = None
    weight_grams: int | None = None


def rows_read(data: bytes, *, currency: str) -> tuple[list[ProductRow], list[str]]:
    """The file's rows and its errors ("Line 4: price “abc” is not an amount ..."). Line
    numbers are the file's own, the header being line 1."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], ["The file is not UTF-8 text: save it as “CSV UTF-8” and try again."]
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        return [], [f"Line 1: the header lacks the column{'s' if len(missing) > 1 else ''} {', '.join(missing)}."]
    reader.fieldnames = header
    rows, errors, seen = [], [], {}
    for record in reader:
        line = reader.line_num
        if len(rows) + len(errors) >= MAX_ROWS:
            return [], [f"The file has more than {MAX_ROWS} products: split it."]
        cells = {key: _unquote((value or "").strip()) for key, value in record.items() if key in COLUMNS}
        if not any(cells.values()):
            continue  # a blank line
        row, problems = _row(line, cells, currency)
        sku = cells.get("sku", "")
        if sku and sku in seen:
            problems.insert(0, f"SKU {sku} is also on line {seen[sku]}")
        seen.setdefault(sku, line)
        if problems:
            errors.append(f"Line {line}: " + "; ".join(problems) + ".")
        else:
            rows.append(row)
    if not rows and not errors:
        errors.append("The file has no products.")
    return rows, errors


def _row(line: int, cells: dict, currency: str) -> tuple[ProductRow | None, list[str]]:
    problems = []
    sku, name = cells.get("sku", ""), cells.get("name", "")
    if not sku:
        problems.append("the SKU is empty")
    elif len(sku) > 64:
        problems.append("the SKU is longer than 64 characters")
    if not name:
        problems.append("the name is empty")
    elif len(name) > 200:
        problems.append("the name is longer than 200 characters")
    price = 0
    try:
        price = parse_money(cells.get("price", ""), currency)
    except ValueError as error:
        problems.append(f"price: {str(error).rstrip('.')}")
    stock = _whole_number(cells, "stock", problems)
    weight = _whole_number(cells, "weight_grams", problems)
    is_active = None
    if cells.get("is_active"):
        flag = cells["is_active"].lower()
        if flag not in _YES | _NO:
            problems.append(f"is_active “{cells['is_active']}” is not yes or no")
        is_active = flag in _YES
    if len(cells.get("variant_name", "")) > 120:
        problems.append("the variant name is longer than 120 characters")
    if problems:
        return None, problems
    return ProductRow(line=line, sku=sku, name=name, price=price, variant_name=cells.get("variant_name"),
                      description=cells.get("description"), stock=stock, is_active=is_active,
                      weight_grams=weight), []


def _whole_number(cells: dict, column: str, problems: list) -> int | None:
    value = cells.get(column, "")
    if not value:
        return None
    if not value.isdigit() or int(value) > 2_000_000_000:
        problems.append(f"{column} “{value}” is not a whole number of 0 or more")
        return None
    return int(value)


def _unquote(value: str) -> str:
    return value[1:] if value.startswith("'") and value[1:2] in _FORMULA_STARTS else value


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def plain_amount(amount: int, currency: str) -> str:
    """Minor units as a plain number parse_money reads back: 4590000 COP → "45900", 4590 USD → "45.90"."""
    digits = minor_unit_digits(currency)
    whole, fraction = divmod(amount, 10**digits)
    return str(whole) if not fraction else f"{whole}.{fraction:0{digits}d}"


def rows_write(products, *, currency: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for product in products:
        writer.writerow([_cell(product.sku), _cell(product.name), _cell(product.variant_name),
                         _cell(product.description), plain_amount(product.price, currency), product.stock,
                         "yes" if product.is_active else "no", product.weight_grams or ""])
    return out.getvalue()
