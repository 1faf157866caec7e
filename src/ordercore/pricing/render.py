"""How a priced document prints: plain text for terminals, HTML for notebooks.

Text is locale-free unless a locale is given explicitly; then numbers are formatted by
babel for that locale. Line taxes are shown rounded to the currency; under per-rate
rounding the tax breakdown, not the sum of the shown line taxes, is what the document owes.
"""

from __future__ import annotations

import html as _html
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from babel.numbers import get_decimal_symbol, get_group_symbol, parse_pattern

from ordercore.money.context import CONTEXT
from ordercore.money.currency import check_locale

if TYPE_CHECKING:
    from ordercore.pricing.results import PricedDocument

__all__ = ["html", "text"]

_HEADERS = ("#", "Description", "Qty", "Unit price", "Gross", "Discount", "Adjust", "Net", "Tax")


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


def _rows(
    priced: PricedDocument, locale: str | None
) -> tuple[list[list[str]], list[tuple[str, str]]]:
    numbers = _Numbers(locale, priced.precision)
    money = numbers.money
    plain = numbers.plain
    lines = priced.lines
    items = [line.line for line in lines]
    # built column by column: one comprehension a column is the fastest way through
    columns = [
        [str(number) for number in range(1, len(lines) + 1)],
        [item.description for item in items],
        [plain(item.quantity) for item in items],
        [plain(item.unit_price.amount) for item in items],
        *([money(line[field]) for line in lines] for field in (2, 3, 4, 5)),
        [money(line._rounded_tax()) for line in lines],
    ]
    totals = priced.totals
    summary: list[tuple[str, str]] = [
        (f"Subtotal {group.name}", money(group.subtotal.amount)) for group in priced.groups
    ]
    for adjustment in priced.all_adjustments():
        where = f" [{adjustment.scope}]" if adjustment.scope else ""
        summary.append(
            (
                f"{adjustment.adjustment.noun.capitalize()} {adjustment.adjustment.reason}{where}",
                money(adjustment.effect.amount),
            )
        )
    summary.append(("Lines net", money(totals.lines_net.amount)))
    if totals.allowances.amount:
        summary.append(("Allowances", money(-totals.allowances.amount)))
    if totals.charges.amount:
        summary.append(("Charges", money(totals.charges.amount)))
    summary.append(("Tax exclusive", money(totals.tax_exclusive.amount)))
    for row in priced.tax_breakdown:
        reason = f" ({row.reason})" if row.reason else ""
        if row.correction is not None:
            reason += f" (incl. correction {money(row.correction.amount)})"
        summary.append(
            (f"{row.tax.label} on {money(row.base.amount)}{reason}", money(row.amount.amount))
        )
    summary.append(("Tax", money(totals.tax.amount)))
    summary.append(("Tax inclusive", money(totals.tax_inclusive.amount)))
    if totals.rounding.amount:
        summary.append(("Rounding", money(totals.rounding.amount)))
    if totals.prepaid.amount:
        summary.append(("Prepaid", money(-totals.prepaid.amount)))
    summary.append((f"Amount due ({priced.currency.code})", money(totals.amount_due.amount)))
    return columns, summary


def text(priced: PricedDocument, *, locale: str | None = None) -> str:
    """Render ``priced`` as an aligned plain-text table with its totals."""
    if locale is not None:
        check_locale(locale)
    columns, summary = _rows(priced, locale)
    widths = [
        max(len(header), max(map(len, column), default=0))
        for header, column in zip(_HEADERS, columns, strict=True)
    ]
    layout = "  ".join(
        f"{{{i}:{'<' if i == 1 else '>'}{width}}}" for i, width in enumerate(widths)
    ).format
    out = [layout(*_HEADERS).rstrip()]
    out.extend(layout(*row).rstrip() for row in zip(*columns, strict=True))
    width = max(len(out[0]), *(len(label) + len(value) + 2 for label, value in summary))
    out.insert(1, "-" * width)
    out.append("-" * width)
    out.extend(f"{label}{value.rjust(width - len(label))}" for label, value in summary)
    policy = priced.policy
    out.append(
        f"{priced.currency.code}, rounding {policy.rounding.name.lower()}, "
        f"tax {policy.tax_rounding.value}, discounts {policy.stacking.value}"
    )
    return "\n".join(out)


def html(priced: PricedDocument, *, locale: str | None = None) -> str:
    """Render ``priced`` as an HTML table (used by notebooks through ``_repr_html_``)."""
    if locale is not None:
        check_locale(locale)
    columns, summary = _rows(priced, locale)
    rows = zip(*columns, strict=True)
    esc = _html.escape
    head = "".join(f"<th>{esc(h)}</th>" for h in _HEADERS)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td style="text-align:{"left" if i == 1 else "right"}">{esc(cell)}</td>'
            for i, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    span = len(_HEADERS) - 1
    foot = "".join(
        f'<tr><th colspan="{span}" style="text-align:right">{esc(label)}</th>'
        f'<td style="text-align:right">{esc(value)}</td></tr>'
        for label, value in summary
    )
    return (
        f'<table class="ordercore-priced"><caption>{esc(repr(priced))}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody><tfoot>{foot}</tfoot></table>"
    )
