"""A zero-rated (Z) tax states no exemption reason (EN 16931 BR-Z-10), and older data still reads.

Earlier versions let a zero-rated tax carry a reason (an earlier docs example wrote one
with "Export outside the EU"). ``Tax`` now refuses one; reading such plain data moves
what it said to the tax's ``note`` (docs/pricing.md, "Zero-rated: no exemption reason").
``tests/data/zero-rated-reasons-v1.json`` was written by the version before.
"""

from __future__ import annotations

import json
import pickle
from decimal import Decimal
from pathlib import Path

import pytest

from ordercore import Document, InvalidData, InvalidTax, Line, Money, Tax, TaxKind, price
from ordercore.interop.plain import (
    document_from_data,
    document_to_data,
    priced_from_data,
    priced_to_data,
)
from ordercore.services import fingerprint

OLD = json.loads((Path(__file__).parent / "data" / "zero-rated-reasons-v1.json").read_text())


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


class TestTheRule:
    def test_a_zero_rated_tax_needs_no_reason(self) -> None:
        tax = Tax.zero_rated("VAT")
        assert (tax.code, tax.kind, tax.reason, tax.reason_code, tax.note) == (
            "Z",
            TaxKind.ZERO,
            None,
            None,
            None,
        )
        assert repr(tax) == "Tax.zero_rated('VAT', code='Z')"

    @pytest.mark.parametrize(
        ("given", "field"),
        [
            ({"reason": "Export outside the EU"}, "reason"),
            ({"reason_code": "VATEX-EU-G"}, "reason_code"),
            ({"reason": "Export", "reason_code": "VATEX-EU-G"}, "reason"),
        ],
    )
    def test_a_reason_on_a_zero_rated_tax_is_refused(
        self, given: dict[str, str], field: str
    ) -> None:
        with pytest.raises(InvalidTax) as caught:
            Tax.zero_rated("VAT", **given)
        assert (caught.value.tax, caught.value.field) == ("VAT", field)
        with pytest.raises(InvalidTax):  # whichever way it is made
            Tax(name="VAT", code="Z", kind=TaxKind.ZERO, rate=0, **given)  # type: ignore[arg-type]

    def test_a_text_for_the_invoice_is_its_note(self) -> None:
        books = Tax.zero_rated("VAT", note="Zero-rated books")
        priced = price(
            Document(
                currency="EUR",
                items=[
                    Line(description="Atlas", quantity="2", unit_price=eur("25.00"), taxes=[books])
                ],
            )
        )
        (row,) = priced.tax_breakdown
        assert (row.reason, row.reason_code, row.note) == (None, None, "Zero-rated books")
        assert "(Zero-rated books)" in priced.to_text()
        assert "Zero-rated books" in priced._repr_html_()
        assert repr(books) == "Tax.zero_rated('VAT', code='Z', note='Zero-rated books')"
        assert pickle.loads(pickle.dumps(books)) == books

    def test_the_note_makes_a_row_of_its_own(self) -> None:
        lines = [
            Line(description=text, quantity="1", unit_price=eur("10.00"), taxes=[tax])
            for text, tax in (
                ("a", Tax.zero_rated("VAT", note="Books")),
                ("b", Tax.zero_rated("VAT", note="Food")),
                ("c", Tax.zero_rated("VAT")),
            )
        ]
        priced = price(Document(currency="EUR", items=lines))
        assert [row.note for row in priced.tax_breakdown] == ["Books", "Food", None]

    def test_other_categories_still_need_their_reason(self) -> None:
        export = Tax.zero_rated("VAT", code="G", reason="Export outside the EU")
        assert export.reason == "Export outside the EU"
        with pytest.raises(InvalidTax) as caught:
            Tax.zero_rated("VAT", code="G")
        assert caught.value.field == "reason"
        with pytest.raises(InvalidTax):
            Tax.exempt("VAT")

    def test_a_note_is_written_and_read_back_only_when_set(self) -> None:
        books = Tax.zero_rated("VAT", note="Zero-rated books")
        document = Document(
            currency="EUR",
            items=[Line(description="Atlas", quantity="1", unit_price=eur("25.00"), taxes=[books])],
        )
        data = document_to_data(document)
        (written,) = data["taxes"].values()
        assert written == {
            "name": "VAT",
            "kind": "zero_rated",
            "code": "Z",
            "note": "Zero-rated books",
        }
        assert document_from_data(data) == document
        plain = Tax.zero_rated("VAT")
        assert (
            "note"
            not in document_to_data(
                Document(
                    currency="EUR",
                    items=[Line(description="x", quantity="1", unit_price=eur("1"), taxes=[plain])],
                )
            )["taxes"]["vat-0"]
        )

    def test_a_note_leaves_the_fingerprint_of_a_tax_without_one_alone(self) -> None:
        vat = Tax.percent("VAT", "20")
        assert fingerprint("tax", tax=vat) == fingerprint("tax", tax=Tax.percent("VAT", "20"))
        assert fingerprint("tax", tax=Tax.zero_rated("VAT")) != fingerprint(
            "tax", tax=Tax.zero_rated("VAT", note="Books")
        )


class TestOlderData:
    def test_a_document_written_before_reads_with_the_reasons_as_notes(self) -> None:
        document = document_from_data(OLD["document"])
        zero = [line.taxes[0] for line in document.lines[1:]]
        assert [(t.code, t.reason, t.reason_code, t.note) for t in zero] == [
            ("Z", None, None, "Export outside the EU"),
            ("Z", None, None, "VATEX-EU-G: Export"),
            ("Z", None, None, "VATEX-EU-G"),
        ]

    def test_it_prices_as_before_row_for_row(self) -> None:
        priced = price(document_from_data(OLD["document"]))
        stored = OLD["priced"]["tax_breakdown"]
        assert [(str(r.base.amount), str(r.amount.amount)) for r in priced.tax_breakdown] == [
            (row["base"], row["amount"]) for row in stored
        ]
        assert priced.totals.amount_due.amount == Decimal(OLD["priced"]["totals"]["amount_due"])

    def test_a_priced_document_written_before_reads(self) -> None:
        priced = priced_from_data(OLD["priced"])
        assert [row.note for row in priced.tax_breakdown] == [
            None,
            "Export outside the EU",
            "VATEX-EU-G: Export",
            "VATEX-EU-G",
        ]

    def test_written_again_it_states_no_reason(self) -> None:
        again = document_to_data(document_from_data(OLD["document"]))
        for tax in again["taxes"].values():
            if tax["code"] == "Z":
                assert "reason" not in tax
                assert "reason_code" not in tax
        assert document_from_data(again) == document_from_data(OLD["document"])
        assert priced_from_data(priced_to_data(price(document_from_data(again))))

    def test_older_data_with_a_note_as_well_is_refused(self) -> None:
        data = json.loads(json.dumps(OLD["document"]))
        data["taxes"]["vat-0"]["note"] = "Export"
        with pytest.raises(InvalidData) as caught:
            document_from_data(data)
        assert caught.value.path == "taxes.vat-0"

    def test_an_edited_priced_document_is_still_refused(self) -> None:
        data = json.loads(json.dumps(OLD["priced"]))
        data["tax_breakdown"][1]["amount"] = "0.01"
        with pytest.raises(InvalidData) as caught:
            priced_from_data(data)
        assert caught.value.path == "tax_breakdown[1].amount"
