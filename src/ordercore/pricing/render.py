"""How a priced document prints: plain text for terminals, HTML for notebooks.

Text is locale-free unless a locale is given explicitly; then numbers are formatted by
babel for that locale.

Every line shows what a person needs to check it with a pocket calculator: its quantity,
its unit price (and the quantity the price is for, when that is not one), the gross
amount, its own discounts (each as a percentage or an amount, then what they take off),
the amount (gross less discounts), and its taxes by name and rate (``incl.`` marks a tax
included in the price). A group is a headed section: its lines, its allowances and
charges, its subtotal.

The totals below read top to bottom as running sums: each row adds to the one before,
and the rows that are sums (``Lines``, ``Untaxed total``, ``Tax inclusive total``,
``Amount due``) are what the rows above them add up to:

* ``Lines``: the lines' amounts;
* each allowance (negative) and charge, of the groups then of the document;
* ``Taxes included in prices`` (negative), when a price includes a tax;
* ``Rounding line (untaxed)``, when cash rounding lands on a line of its own;
* ``Untaxed total``: the tax exclusive total;
* each row of the tax breakdown, with its base, its exemption reason (its code first, as
  in ``(VATEX-EU-AE: Reverse charge)``, when it has one), and the cash rounding it took,
  when it lands on the largest tax;
* ``Tax inclusive total``;
* ``Cash rounding`` and ``Prepaid`` (negative), when there are;
* ``Amount due``.

Line taxes are not printed as amounts: under per-rate rounding the breakdown, not a sum
of rounded line taxes, is what the document owes.
"""

from __future__ import annotations

import html as _html
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, NamedTuple

from babel.numbers import get_decimal_symbol, get_group_symbol, parse_pattern

from ordercore.money.context import CONTEXT
from ordercore.money.currency import check_locale
from ordercore.pricing.discounts import Discount, DiscountKind
from ordercore.pricing.document import Group
from ordercore.pricing.taxes import Tax, TaxKind

if TYPE_CHECKING:
    from ordercore.pricing.results import PricedAdjustment, PricedDocument

__all__ = ["html", "text"]

_HEADERS = ("#", "Description", "Qty", "Unit price", "Gross", "Discount", "Amount", "Taxes")
#: The column of the amounts, where totals and group rows put their numbers.
_AMOUNT = 6
#: The longest description or label printed in full; longer ones end in an ellipsis.
MAX_SHOWN = 60
_ZERO = Decimal(0)


class _Numbers:
    """Formats the numbers of one rendering: locale data looked up once, not once a cell.

    babel's ``format_decimal`` parses the locale and the pattern on every call, which made
    a localized table of 100,000 lines a hundred times slower than pricing it. The
    separators still come from babel (CLDR) for the given locale; the digits and the
    grouping (by three, as in the pattern ``#,##0.00``) are ordercore's, and a property
    test checks that the result is what ``format_decimal`` prints for every locale.
    """

    __slots__ = ("_format", "_quantum", "_symbols")

    def __init__(self, locale: str | None, places: int) -> None:
        self._quantum = Decimal((0, (1,), -places))
        # Python's "," format groups by three with "," and "."; a translation table puts
        # the locale's symbols in their place in one pass.
        self._format = ",f" if locale is not None else "f"
        self._symbols = (
            str.maketrans(
                {
                    ",": get_group_symbol(locale),
                    ".": get_decimal_symbol(locale),
                    "-": parse_pattern("#,##0").prefix[1],
                }
            )
            if locale is not None
            else None
        )

    def money(self, value: Decimal) -> str:
        """An amount rounded (half up) to the document's precision."""
        return self.plain(value.quantize(self._quantum, ROUND_HALF_UP, CONTEXT))

    def plain(self, value: Decimal) -> str:
        """A number with all its digits, never in scientific notation."""
        text = format(value, self._format)
        return text if self._symbols is None else text.translate(self._symbols)


def shown(value: str, width: int = MAX_SHOWN) -> str:
    """``value`` on one line, cut to ``width`` characters with an ellipsis if longer."""
    one_line = " ".join(value.split())
    return one_line if len(one_line) <= width else one_line[: width - 1].rstrip() + "\u2026"


class Row(NamedTuple):
    """One row of the body: a line (``cells``), or a group's heading, adjustment or subtotal."""

    kind: str  # "line", "group", "adjustment" or "subtotal"
    cells: tuple[str, ...]


class Total(NamedTuple):
    """One row of the totals: its label, its amount (and as printed), and its kind.

    ``kind`` is ``"total"`` for a row that is the sum of the rows above it, ``"term"``
    for one that adds to them.
    """

    label: str
    amount: Decimal
    shown: str
    kind: str


def _tax_label(tax: Tax, plain: _Numbers, *, mark_included: bool = True) -> str:
    if tax.kind is TaxKind.PER_UNIT:
        code = tax.currency.code if tax.currency is not None else ""
        sign = "-" if tax.withholding else ""
        label = f"{tax.name} {code} {sign}{plain.plain(tax.rate)}/unit"
    elif tax.kind is TaxKind.ZERO:
        # no rate is printed where none is stated (EN 16931 category O)
        label = f"{tax.name} 0 % ({tax.code})" if tax.rate_stated else f"{tax.name} ({tax.code})"
    else:
        sign = "-" if tax.withholding else ""
        label = f"{tax.name} {sign}{plain.plain(tax.rate)} %"
    return f"{label} incl." if tax.included and mark_included else label


def _reason(text: str | None, code: str | None) -> str:
    """A row's exemption reason as printed: `` (code: text)``, `` (text)`` or `` (code)``."""
    if code is None:
        return f" ({text})" if text else ""
    return f" ({code}: {text})" if text else f" ({code})"


def _discount_label(discount: Discount, numbers: _Numbers, *, on_price: bool = False) -> str:
    value = numbers.plain(discount.value)
    if discount.kind is DiscountKind.PERCENT:
        label = f"{value} %"
    elif discount.kind is DiscountKind.PER_UNIT:
        label = f"{value}/unit"
    else:
        label = value
    return f"{label} off price" if on_price else label


def _adjustment_label(entry: PricedAdjustment, numbers: _Numbers) -> str:
    adjustment = entry.adjustment
    percent = f" {numbers.plain(adjustment.percent)} %" if adjustment.percent is not None else ""
    where = f" [{entry.scope}]" if entry.scope else ""
    return f"{adjustment.noun.capitalize()} {adjustment.reason}{percent}{where}"


def rows(
    priced: PricedDocument,
    *,
    locale: str | None = None,
    width: int = MAX_SHOWN,
    due: str = "Amount due",
) -> tuple[tuple[Row, ...], tuple[Total, ...]]:
    """The body and the totals of ``priced``: numbers formatted for ``locale``, texts cut to ``width``.

    ``due`` names the last total, what is payable (a credit note's is what it credits).
    """
    body, totals, _ = _rows(priced, locale, width, due)
    return body, totals


def _rows(
    priced: PricedDocument, locale: str | None, width: int, due: str = "Amount due"
) -> tuple[tuple[Row, ...], tuple[Total, ...], str]:
    if locale is not None:
        check_locale(locale)
    numbers = _Numbers(locale, priced.precision)
    money, plain = numbers.money, numbers.plain
    taxes_seen: dict[int, tuple[tuple[Tax, ...], str]] = {}
    lines = iter(enumerate(priced.lines, 1))
    body: list[Row] = []
    add = body.append
    sums = [_ZERO, _ZERO, _ZERO]  # the lines' amounts, their stated amounts, their nets

    def line_row() -> None:
        number, priced_line = next(lines)
        item = priced_line.line
        gross, discount = priced_line[2], priced_line[3]
        amount = CONTEXT.subtract(gross, discount)
        sums[0] = CONTEXT.add(sums[0], amount)
        sums[1] = CONTEXT.add(sums[1], CONTEXT.add(amount, priced_line[4]))
        sums[2] = CONTEXT.add(sums[2], priced_line[5])
        unit = plain(item.unit_price.amount)
        if not item.unit_base:
            unit = f"{unit} per {plain(item.base_quantity)}"
        rules = [_discount_label(d, numbers) for d in item.discounts]
        if item.price_discount is not None:
            rules.insert(0, _discount_label(item.price_discount, numbers, on_price=True))
        off = f"{money(discount)} ({' + '.join(rules)})" if rules else ""
        known = taxes_seen.get(id(item.taxes))
        if known is None or known[0] is not item.taxes:
            known = (item.taxes, ", ".join(_tax_label(tax, numbers) for tax in item.taxes))
            taxes_seen[id(item.taxes)] = known
        cells = (
            str(number),
            shown(item.description, width),
            plain(item.quantity),
            unit,
            money(gross),
            off,
            money(amount),
            known[1],
        )
        add(Row("line", cells))

    groups = iter(priced.groups)
    for item in priced.document.items:
        if not isinstance(item, Group):
            line_row()
            continue
        group = next(groups)
        add(Row("group", (shown(group.name, width),)))
        for _ in group.lines:
            line_row()
        for entry in group.adjustments:
            label = shown(_adjustment_label(entry, numbers), width)
            add(Row("adjustment", (label, money(entry.effect.amount))))
        subtotal = shown(f"Subtotal {group.name}", width)
        add(Row("subtotal", (subtotal, money(group.subtotal.amount))))

    totals = _totals(priced, numbers, sums, width, due)
    policy = priced.policy
    footer = (
        f"{priced.currency.code}, rounding {policy.rounding.name.lower()}, "
        f"tax {policy.tax_rounding.value}, discounts {policy.stacking.value}"
    )
    return tuple(body), totals, footer


def _totals(
    priced: PricedDocument, numbers: _Numbers, sums: list[Decimal], width: int, due: str
) -> tuple[Total, ...]:
    """The totals as running sums, from the lines' amounts, stated amounts and nets (``sums``)."""
    money = numbers.money
    totals: list[Total] = []

    def total(label: str, amount: Decimal, kind: str) -> None:
        totals.append(Total(shown(label, width), amount, money(amount), kind))

    total("Lines", sums[0], "total")
    for entry in priced.all_adjustments():
        total(_adjustment_label(entry, numbers), entry.effect.amount, "term")
    included = CONTEXT.subtract(sums[2], sums[1])
    if included:
        total("Taxes included in prices", included, "term")
    figures = priced.totals
    if figures.rounding_line.amount:
        total("Rounding line (untaxed)", figures.rounding_line.amount, "term")
    total("Untaxed total", figures.tax_exclusive.amount, "total")
    for row in priced.tax_breakdown:
        reason = _reason(row.reason, row.reason_code)
        if row.note is not None:
            reason += f" ({row.note})"
        if row.correction is not None:
            reason += f" (incl. correction {money(row.correction.amount)})"
        if row.cash_rounding is not None:
            reason += f" (incl. cash rounding {money(row.cash_rounding.amount)})"
        label = f"{_tax_label(row.tax, numbers, mark_included=False)} on {money(row.base.amount)}"
        total(label + reason, row.amount.amount, "term")
    total("Tax inclusive total", figures.tax_inclusive.amount, "total")
    if figures.rounding.amount:
        total("Cash rounding", figures.rounding.amount, "term")
    if figures.prepaid.amount:
        total("Prepaid", -figures.prepaid.amount, "term")
    total(f"{due} ({priced.currency.code})", figures.amount_due.amount, "total")
    return tuple(totals)


def text(priced: PricedDocument, *, locale: str | None = None, due: str = "Amount due") -> str:
    """Render ``priced`` as an aligned plain-text table with its totals.

    ``due`` names the last total, what is payable (a credit note's is what it credits).
    """
    return "\n".join(_text_lines(*_rows(priced, locale, MAX_SHOWN, due)))


def _text_lines(body: tuple[Row, ...], totals: tuple[Total, ...], footer: str) -> list[str]:
    widths = [len(header) for header in _HEADERS]
    for row in body:
        if row.kind == "line":
            widths[:] = map(max, widths, map(len, row.cells))
    span = sum(widths[1 : _AMOUNT + 1]) + 2 * (_AMOUNT - 1)
    needed = max(
        [len(r.cells[0]) + 2 + len(r.cells[-1]) for r in body if r.kind != "line"]
        + [len(t.label) + 2 + len(t.shown) - widths[0] - 2 for t in totals],
    )
    if needed > span:
        widths[1] += needed - span
        span = needed
    layout = "  ".join(
        f"{{{i}:{'<' if i in (1, 7) else '>'}{width}}}" for i, width in enumerate(widths)
    ).format
    indent = " " * (widths[0] + 2)
    out = [layout(*_HEADERS).rstrip()]
    rule = "-" * len(out[0])
    out.append(rule)
    for row in body:
        if row.kind == "line":
            out.append(layout(*row.cells).rstrip())
        elif row.kind == "group":
            out.append(f"{indent}{row.cells[0]}")
        else:
            label, value = row.cells
            out.append(f"{indent}{label}{value.rjust(span - len(label))}")
    out.append(rule)
    whole = widths[0] + 2 + span
    out.extend(f"{t.label}{t.shown.rjust(whole - len(t.label))}" for t in totals)
    out.append(footer)
    return out


_CELL = "padding:2px 8px;vertical-align:top"
_LEFT = f'style="{_CELL};text-align:left"'
_RIGHT = f'style="{_CELL};text-align:right;white-space:nowrap"'
_SUM = f'style="{_CELL};text-align:right;white-space:nowrap;font-weight:bold;border-top:1px solid currentColor"'
_SUM_LABEL = f'style="{_CELL};text-align:right;font-weight:bold;border-top:1px solid currentColor"'
_LABEL = f'style="{_CELL};text-align:right;font-weight:normal"'
_GROUP = f'style="{_CELL};text-align:left;padding-top:0.6em;font-weight:bold"'
_HEAD = f'style="{_CELL};border-bottom:1px solid currentColor;text-align:'
_TABLE = (
    'class="ordercore-priced" style="border-collapse:collapse;'
    'font-variant-numeric:tabular-nums;color:inherit;background:transparent"'
)


def html(
    priced: PricedDocument,
    *,
    locale: str | None = None,
    caption: bool = True,
    due: str = "Amount due",
) -> str:
    """Render ``priced`` as an HTML table (used by notebooks through ``_repr_html_``).

    Every text is escaped and cut to :data:`MAX_SHOWN` characters (at most five times
    that, for a description). It sets no colours (borders are the text's own colour), so
    it reads in light and dark notebook themes alike. Rows that are sums of the rows
    above them have the class ``sum``; ``caption`` puts the document's ``repr`` above it;
    ``due`` names the last total, as in :func:`text`.
    """
    body, totals, footer = _rows(priced, locale, 5 * MAX_SHOWN, due)
    esc = _html.escape
    columns = len(_HEADERS)
    head = "".join(
        f'<th {_HEAD}{"left" if i in (1, 7) else "right"}">{esc(h)}</th>'
        for i, h in enumerate(_HEADERS)
    )
    parts = [f"<table {_TABLE}>"]
    if caption:
        parts.append(f'<caption style="text-align:left">{esc(repr(priced))}</caption>')
    parts.append(f"<thead><tr>{head}</tr></thead><tbody>")
    add = parts.append
    for row in body:
        if row.kind == "line":
            add(
                '<tr class="line">'
                + "".join(
                    f"<td {_LEFT if i in (1, 7) else _RIGHT}>{esc(cell)}</td>"
                    for i, cell in enumerate(row.cells)
                )
                + "</tr>"
            )
        elif row.kind == "group":
            add(f'<tr class="group"><th colspan="{columns}" {_GROUP}>{esc(row.cells[0])}</th></tr>')
        else:
            label, value = row.cells
            is_sum = row.kind == "subtotal"
            add(
                f'<tr class="{row.kind}"><td {_RIGHT}></td>'
                f'<td colspan="{_AMOUNT - 1}" {_SUM_LABEL if is_sum else _LEFT}>{esc(label)}</td>'
                f"<td {_SUM if is_sum else _RIGHT}>{esc(value)}</td><td {_RIGHT}></td></tr>"
            )
    add("</tbody><tfoot>")
    for total in totals:
        is_sum = total.kind == "total"
        label_style, value_style = (_SUM_LABEL, _SUM) if is_sum else (_LABEL, _RIGHT)
        add(
            f'<tr class="{"sum" if is_sum else "term"}">'
            f'<th scope="row" colspan="{_AMOUNT}" {label_style}>{esc(total.label)}</th>'
            f"<td {value_style}>{esc(total.shown)}</td><td {_RIGHT}></td></tr>"
        )
    add(
        f'<tr class="footer"><td colspan="{columns}" {_LEFT}><small>{esc(footer)}</small>'
        "</td></tr></tfoot></table>"
    )
    return "".join(parts)
