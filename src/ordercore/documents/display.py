"""Documents a person can read: a header, the pricing table, the totals.

:func:`text` and :func:`html` render any document of ordercore (a quote in any state, a
sales or purchase order, an invoice or a bill as a draft, issued or voided, a credit note
of either side) the same way:

* a header: the kind of document, its number (or its id while it has none), its state
  and version, its dates (issue, due, valid until), its customer or supplier, its
  payment term and, once issued, its installments; for a credit note what it credits
  and why; for a voided draft why it was voided;
* for an order, where each line stands: ordered, delivered (or received), invoiced (or
  billed) and cancelled;
* the pricing table and its totals (:mod:`ordercore.pricing.render`).

It reads documents through what every one of them keeps: its priced content and header
fields read by name, so that it follows the documents as they grow. Numbers are
localized only with an explicit ``locale``; dates are ISO 8601 (``2026-12-10``) in both.
Every text a user gave (a customer, a description, a reason) is cut to one line, and in
HTML escaped.

:class:`Displayable` is the mixin that gives a document ``to_text``, ``to_html`` and
``_repr_html_`` (what Jupyter shows); :func:`short_repr` is the one-line ``repr`` of a
document: its kind, number or id, state, currency and total.
"""

from __future__ import annotations

import datetime as dt
import html as _html
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ordercore.money.currency import check_locale
from ordercore.pricing import render
from ordercore.pricing.document import Document
from ordercore.pricing.engine import price
from ordercore.pricing.results import PricedDocument

# The functions are read by the module's name (``display.text``, ``display.html``), as
# ``ordercore.pricing.render``'s are; the package exports the mixin.
__all__ = ["Displayable"]

#: The kind of each document type, as its header names it.
_KINDS = (
    ("CustomerCreditNote", "Credit note"),
    ("SupplierCreditNote", "Supplier credit note"),
    ("CreditNote", "Credit note"),
    ("Quote", "Quote"),
    ("SalesOrder", "Sales order"),
    ("PurchaseOrder", "Purchase order"),
    ("Invoice", "Invoice"),
    ("Bill", "Bill"),
)

#: The header fields, in order: (attribute, label).
_FIELDS = (
    ("customer", "Customer"),
    ("supplier", "Supplier"),
    ("issue_date", "Issue date"),
    ("due_date", "Due date"),
    ("valid_until", "Valid until"),
    ("payment_term", "Payment term"),
    ("sales_order", "Sales order"),
    ("purchase_order", "Purchase order"),
    ("reason", "Reason"),
)

#: What an order line's progress columns read: (header, attribute) of a sales order line
#: and of a purchase order line.
_SALES_PROGRESS = (
    ("Ordered", "ordered"),
    ("Delivered", "delivered"),
    ("Invoiced", "invoiced"),
    ("Cancelled", "cancelled"),
)
_PURCHASE_PROGRESS = (
    ("Ordered", "ordered"),
    ("Received", "received"),
    ("Billed", "billed"),
    ("Cancelled", "cancelled"),
)


def kind(document: object) -> str:
    """The kind of ``document`` as a person names it (``"Invoice"``, ``"Sales order"``)."""
    name = type(document).__name__
    return next((label for key, label in _KINDS if key in name), name)


def priced_of(document: object) -> PricedDocument:
    """The priced content of ``document``: kept, priced on demand, or priced from its content."""
    priced: Any = getattr(document, "priced", None)
    if callable(priced):
        priced = priced()
    if isinstance(priced, PricedDocument):
        return priced
    content = getattr(document, "content", None)
    if isinstance(content, Document):
        return price(content)
    document_of = getattr(content, "document", None)
    if callable(document_of):
        made = document_of()
        if isinstance(made, Document):
            return price(made)
    raise TypeError(f"{type(document).__name__} has no priced content to display")


def _state(document: object) -> str:
    state = getattr(document, "state", None)
    # a document made once (a credit note) has version 1 for storage, not worth a word
    version = getattr(document, "version", None) if getattr(document, "_versioned", True) else None
    parts = [str(state)] if isinstance(state, str) else []
    if isinstance(version, int) and not isinstance(version, bool):
        parts.append(f"version {version}")
    return ", ".join(parts)


def _title(document: object) -> str:
    number = getattr(document, "number", None)
    reference = number if isinstance(number, str) else getattr(document, "id", None)
    title = kind(document)
    if isinstance(reference, str):
        title = f"{title} {render.shown(reference)}"
    state = _state(document)
    return f"{title} ({state})" if state else title


def _value(value: object) -> str | None:
    if value is None or value == ():
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    return render.shown(str(value))


def _numbers(priced: PricedDocument, locale: str | None) -> render._Numbers:
    return render._Numbers(locale, priced.precision)


def _due(document: object) -> str:
    """What the last total of ``document`` is: what is payable, credited, or ordered."""
    name = kind(document)
    if name.endswith("redit note"):
        return "Amount credited"
    if name.endswith(" order"):
        return "Order total"
    return "Amount due"


def header(document: object, priced: PricedDocument, locale: str | None) -> list[tuple[str, str]]:
    """The header's (label, value) rows of ``document``, without its title."""
    rows: list[tuple[str, str]] = []
    for attribute, label in _FIELDS:
        shown = _value(getattr(document, attribute, None))
        if shown is not None:
            rows.append((label, shown))
    money = _numbers(priced, locale).money
    credited = _credits(document, money, render._Numbers(locale, 0).plain)
    if credited is not None:
        # before the reason, as "Credits: INV-1, in full / Reason: ..." reads
        at = next((i for i, (label, _) in enumerate(rows) if label == "Reason"), len(rows))
        rows.insert(at, ("Credits", credited))
    rows.append(("Currency", priced.currency.code))
    for number, installment in enumerate(getattr(document, "installments", ()) or (), 1):
        due = f"{money(installment.amount.amount)} due {installment.due_date.isoformat()}"
        discount, deadline = installment.discount_amount, installment.discount_deadline
        if discount is not None and deadline is not None:
            due += f" ({money(discount.amount)} off if paid by {deadline.isoformat()})"
        rows.append((f"Installment {number}", due))
    keys = getattr(document, "line_keys", ())
    if isinstance(keys, tuple) and keys and not hasattr(document, "basis"):
        # which order line each line bills, by its key (lines numbered as printed, from 1)
        keyed = ", ".join(
            f"{number} {render.shown(key)}"
            for number, key in enumerate(keys, 1)
            if isinstance(key, str)
        )
        if keyed:
            rows.append(("Line keys", keyed))
    return rows


def _credits(
    document: object, money: Callable[[Decimal], str], plain: Callable[[Decimal], str]
) -> str | None:
    """What a credit note credits, as its header says it; ``None`` for other documents.

    Credited lines are numbered as the credited invoice prints them (from 1).
    """
    if not hasattr(document, "basis"):
        return None
    invoice = getattr(document, "invoice_number", None)
    if not isinstance(invoice, str):
        return "no invoice (a standalone credit)"
    invoice = render.shown(invoice)
    if getattr(document, "in_full", False):
        return f"{invoice}, in full"
    stated = getattr(document, "by_amount", None)
    if stated is not None:
        base = "taxes included" if stated.base.value == "total" else "before taxes"
        return f"{invoice}, an amount of {money(stated.amount.amount)} ({base})"
    credited = getattr(document, "credited", ())
    lines = ", ".join(
        f"{line.index + 1}{'' if line.key is None else ' ' + render.shown(line.key)}"
        f" (qty {plain(line.quantity)})"
        for line in credited
    )
    return f"{invoice}, line{'s' if len(credited) > 1 else ''} {lines}"


def progress(document: object, locale: str | None) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """An order's progress table: its headers and a row a line; empty for other documents."""
    lines = getattr(document, "lines", None)
    if not isinstance(lines, tuple) or not lines:
        return (), []
    first = lines[0]
    columns = _SALES_PROGRESS if hasattr(first, "delivered") else _PURCHASE_PROGRESS
    if not all(hasattr(first, attribute) for _, attribute in columns):
        return (), []
    plain = render._Numbers(locale, 0).plain
    # the lines' keys in a column of their own, where some line has one
    keyed = any(getattr(line, "key", None) is not None for line in lines)
    headers = ("#", *(("Key",) if keyed else ()), "Description", *(name for name, _ in columns))
    rows = [
        (
            str(number),
            *((render.shown(str(line.key)) if line.key is not None else "",) if keyed else ()),
            render.shown(str(line.description)),
            *(plain(Decimal(getattr(line, attribute))) for _, attribute in columns),
        )
        for number, line in enumerate(lines, 1)
    ]
    return headers, rows


#: The columns of an order's progress table that hold text, aligned left.
_TEXT_COLUMNS = frozenset({"Key", "Description"})


def text(document: object, *, locale: str | None = None) -> str:
    """``document`` as plain text: its header, its order progress, its pricing table."""
    if locale is not None:
        check_locale(locale)
    priced = priced_of(document)
    out = [_title(document)]
    rows = header(document, priced, locale)
    width = max((len(label) for label, _ in rows), default=0) + 2
    out.extend(f"{label + ':':<{width}}{value}" for label, value in rows)
    headers, lines = progress(document, locale)
    if headers:
        widths = [max(len(cell) for cell in column) for column in zip(headers, *lines, strict=True)]
        layout = "  ".join(
            f"{{{i}:{'<' if headers[i] in _TEXT_COLUMNS else '>'}{w}}}"
            for i, w in enumerate(widths)
        ).format
        out.extend(["", "Progress", layout(*headers).rstrip()])
        out.extend(layout(*line).rstrip() for line in lines)
    out.append("")
    out.append(render.text(priced, locale=locale, due=_due(document)))
    return "\n".join(out)


_CELL = "padding:2px 8px;vertical-align:top"
_BOX = (
    'class="ordercore-document" style="color:inherit;background:transparent;'
    'font-variant-numeric:tabular-nums;line-height:1.4"'
)


def html(document: object, *, locale: str | None = None) -> str:
    """``document`` as HTML for notebooks: the same parts as :func:`text`, every text escaped.

    It sets no colours (borders and text take the theme's own), so it reads in light and
    dark themes alike; the styles are inline, so it needs no stylesheet.
    """
    if locale is not None:
        check_locale(locale)
    esc = _html.escape
    priced = priced_of(document)
    parts = [
        f"<div {_BOX}>",
        f'<div class="title" style="font-size:1.2em;font-weight:bold;margin:0.3em 0">'
        f"{esc(_title(document))}</div>",
        '<table class="header" style="border-collapse:collapse;margin-bottom:0.6em"><tbody>',
    ]
    parts.extend(
        f'<tr><th scope="row" style="{_CELL};text-align:left">{esc(label)}</th>'
        f'<td style="{_CELL};text-align:left">{esc(value)}</td></tr>'
        for label, value in header(document, priced, locale)
    )
    parts.append("</tbody></table>")
    headers, lines = progress(document, locale)
    if headers:
        align = ["left" if header in _TEXT_COLUMNS else "right" for header in headers]
        parts.append(
            '<table class="progress" style="border-collapse:collapse;margin-bottom:0.6em">'
            "<thead><tr>"
            + "".join(
                f'<th style="{_CELL};text-align:{a};border-bottom:1px solid currentColor">'
                f"{esc(h)}</th>"
                for h, a in zip(headers, align, strict=True)
            )
            + "</tr></thead><tbody>"
        )
        parts.extend(
            "<tr>"
            + "".join(
                f'<td style="{_CELL};text-align:{a}">{esc(cell)}</td>'
                for cell, a in zip(line, align, strict=True)
            )
            + "</tr>"
            for line in lines
        )
        parts.append("</tbody></table>")
    parts.append(render.html(priced, locale=locale, caption=False, due=_due(document)))
    parts.append("</div>")
    return "".join(parts)


def short_repr(document: object) -> str:
    """The one-line ``repr`` of a document: kind, number or id, state, party, currency, total.

    A document without a number (a draft, a quote) shows its id and version; the party
    is the customer or the supplier; a credit note names the invoice it credits. ``total`` is the tax-inclusive total;
    ``amount_due`` follows when it differs (after cash rounding or a prepaid amount).
    """
    priced = priced_of(document)
    number = getattr(document, "number", None)
    fields = [f"number={number!r}" if isinstance(number, str) else f"id={document_id(document)!r}"]
    state = getattr(document, "state", None)
    if isinstance(state, str):
        fields.append(f"state={state!r}")
    version = getattr(document, "version", None)
    if not isinstance(number, str) and isinstance(version, int):
        fields.append(f"version={version}")
    for party in ("customer", "supplier"):
        value = getattr(document, party, None)
        if isinstance(value, str):
            fields.append(f"{party}={render.shown(value)!r}")
    credited = getattr(document, "invoice_number", None)
    if isinstance(credited, str):
        fields.append(f"invoice={credited!r}")
    totals = priced.totals
    fields.append(f"currency={priced.currency.code!r}")
    fields.append(f"total={str(totals.tax_inclusive.amount)!r}")
    if totals.amount_due != totals.tax_inclusive:
        fields.append(f"amount_due={str(totals.amount_due.amount)!r}")
    return f"{type(document).__name__}({', '.join(fields)})"


def document_id(document: object) -> str:
    """The id of ``document`` (``"?"`` if it has none)."""
    value = getattr(document, "id", None)
    return value if isinstance(value, str) else "?"


class Displayable:
    """What every document prints with (a mixin).

    ``repr`` is one line (:func:`short_repr`), ``str`` the plain text without a locale
    (:func:`text`), and ``_repr_html_`` the HTML a notebook shows (:func:`html`);
    ``to_text`` and ``to_html`` take an explicit ``locale``.
    """

    __slots__ = ()

    def to_text(self, *, locale: str | None = None) -> str:
        """The document as plain text; numbers are localized only if ``locale`` is given."""
        return text(self, locale=locale)

    def to_html(self, *, locale: str | None = None) -> str:
        """The document as HTML; numbers are localized only if ``locale`` is given."""
        return html(self, locale=locale)

    def _repr_html_(self) -> str:
        return html(self)

    def __str__(self) -> str:
        return text(self)

    def __repr__(self) -> str:
        return short_repr(self)
