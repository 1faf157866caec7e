"""How a priced document prints: plain text for terminals, HTML for notebooks.

Text is locale-free unless a locale is given explicitly; then numbers are formatted by
babel for that locale. Line taxes are shown rounded to the currency; under per-rate
rounding the tax breakdown, not the sum of the shown line taxes, is what the document owes.
"""

from __future__ import annotations

import html as _html
from decimal import Decimal, localcontext
from typing import TYPE_CHECKING

from babel.numbers import format_decimal

from ordercore.money._context import CONTEXT
from ordercore.money.currency import check_locale
from ordercore.money.rounding import RoundingMode, round_to

if TYPE_CHECKING:
    from ordercore.pricing.results import PricedDocument

__all__ = ["html", "text"]

_HEADERS = ("#", "Description", "Qty", "Unit price", "Gross", "Discount", "Adjust", "Net", "Tax")


def _number(
    value: Decimal, places: int | None, locale: str | None, quantum: Decimal | None = None
) -> str:
    if quantum is not None:
        value = round_to(value, quantum, RoundingMode.HALF_UP)
    if locale is None:
        return str(value)
    digits = places if places is not None else max(0, -int(value.as_tuple().exponent))
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    with localcontext(CONTEXT):  # babel computes with the thread's context
        return str(format_decimal(value, format=pattern, locale=locale, decimal_quantization=False))


def _rows(
    priced: PricedDocument, locale: str | None
) -> tuple[list[tuple[str, ...]], list[tuple[str, str]]]:
    quantum = Decimal((0, (1,), -priced.precision))
    places = priced.precision

    def money(value: Decimal) -> str:
        return _number(value, places, locale, quantum)

    rows: list[tuple[str, ...]] = []
    for number, line in enumerate(priced.lines, 1):
        item = line.line
        rows.append(
            (
                str(number),
                item.description,
                _number(item.quantity, None, locale),
                _number(item.unit_price.amount, None, locale),
                money(line[2]),
                money(line[3]),
                money(line[4]),
                money(line[5]),
                money(line.tax.amount),
            )
        )
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
    return rows, summary


def text(priced: PricedDocument, *, locale: str | None = None) -> str:
    """Render ``priced`` as an aligned plain-text table with its totals."""
    if locale is not None:
        check_locale(locale)
    rows, summary = _rows(priced, locale)
    table = [_HEADERS, *rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(_HEADERS))]
    left = {1}
    out = []
    for row in table:
        cells = [
            cell.ljust(widths[i]) if i in left else cell.rjust(widths[i])
            for i, cell in enumerate(row)
        ]
        out.append("  ".join(cells).rstrip())
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
    rows, summary = _rows(priced, locale)
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
