"""EN 16931 points of the pricing model: exemption reason codes, category O, which lines
each breakdown row covers, and the net unit price of a line."""

import sys
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
from hypothesis import given, reject
from hypothesis import strategies as st

from ordercore import (
    AdjustmentMode,
    Allowance,
    Charge,
    Discount,
    Document,
    Line,
    Money,
    Policy,
    Tax,
    TaxRounding,
)
from ordercore.errors import (
    InvalidCode,
    InvalidTax,
    InvalidText,
    InvalidType,
    OrdercoreError,
    TextTooLong,
)
from ordercore.interop.plain import document_from_data, document_to_data
from ordercore.pricing import price
from ordercore.pricing.results import PricedDocument, TaxSubtotal
from ordercore.pricing.taxes import MAX_REASON_CODE_LENGTH, TaxKind
from ordercore.services import fingerprint
from ordercore.testing.strategies import documents


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


def line(description: str, quantity: str, unit: str, *taxes: Tax) -> Line:
    return Line(description=description, quantity=quantity, unit_price=eur(unit), taxes=list(taxes))


# -- 1. exemption reason codes (BT-121) ----------------------------------------------------


class TestReasonCode:
    def test_a_zero_tax_takes_a_code_a_text_or_both(self) -> None:
        coded = Tax.exempt("VAT", reason_code="VATEX-EU-132-1I")
        both = Tax.exempt("VAT", reason="Education", reason_code="VATEX-EU-132-1I")
        assert (coded.reason, coded.reason_code) == (None, "VATEX-EU-132-1I")
        assert (both.reason, both.reason_code) == ("Education", "VATEX-EU-132-1I")
        export = Tax.zero_rated("VAT", code="G", reason_code="VATEX-EU-G")
        assert export.reason_code == "VATEX-EU-G"
        reverse = Tax.reverse_charge("VAT", reason=None, reason_code="VATEX-EU-AE")
        assert (reverse.reason, reverse.reason_code) == (None, "VATEX-EU-AE")

    def test_a_zero_tax_without_either_is_refused(self) -> None:
        with pytest.raises(InvalidTax) as raised:
            Tax.exempt("VAT")
        assert raised.value.field == "reason"
        with pytest.raises(InvalidTax):
            Tax.reverse_charge("VAT", reason=None)

    def test_defaults_are_unchanged(self) -> None:
        assert Tax.reverse_charge("VAT").reason == "Reverse charge"
        assert Tax.reverse_charge("VAT").reason_code is None
        assert Tax.percent("VAT", "20").reason_code is None

    @pytest.mark.parametrize(
        ("value", "error"),
        [
            ("VATEX EU", InvalidCode),
            ("", InvalidCode),
            ("VATEX-EU-O\n", InvalidCode),
            ("\u00a0VATEX", InvalidCode),
            ("VATEX-\ud800", InvalidText),
            ("V" * (MAX_REASON_CODE_LENGTH + 1), TextTooLong),
            ("V" * 10**7, TextTooLong),
            (b"VATEX-EU-O", InvalidType),
            (132, InvalidType),
        ],
    )
    def test_invalid_codes_raise_ordercores_errors(self, value: object, error: type) -> None:
        with pytest.raises(error) as raised:
            Tax.exempt("VAT", reason="Exempt", reason_code=value)  # type: ignore[arg-type]
        assert raised.value.field == "reason_code"

    @given(st.text(max_size=80))
    def test_any_text_is_accepted_or_refused_by_ordercore(self, value: str) -> None:
        valid = 0 < len(value) <= MAX_REASON_CODE_LENGTH and value.isprintable()
        valid = valid and not any(c.isspace() for c in value)
        if valid:
            assert Tax.exempt("VAT", reason_code=value).reason_code == value
        else:
            with pytest.raises((InvalidCode, InvalidText, TextTooLong)) as raised:
                Tax.exempt("VAT", reason_code=value)
            assert raised.value.field == "reason_code"

    def test_the_code_is_part_of_the_breakdown_key(self) -> None:
        first = Tax.exempt("VAT", reason="Exempt", reason_code="VATEX-EU-132-1I")
        second = Tax.exempt("VAT", reason="Exempt", reason_code="VATEX-EU-132-1H")
        assert first.breakdown_key != second.breakdown_key
        priced = price(
            Document(
                currency="EUR",
                items=[line("A", "1", "10.00", first), line("B", "1", "20.00", second)],
            )
        )
        assert [(row.reason_code, row.base) for row in priced.tax_breakdown] == [
            ("VATEX-EU-132-1I", eur("10.00")),
            ("VATEX-EU-132-1H", eur("20.00")),
        ]
        assert [row.reason for row in priced.tax_breakdown] == ["Exempt", "Exempt"]

    def test_renderings_print_the_code_where_the_reason_is(self) -> None:
        taxes = (
            Tax.exempt("VAT", reason="Education", reason_code="VATEX-EU-132-1I"),
            Tax.reverse_charge("VAT", reason=None, reason_code="VATEX-EU-AE"),
            Tax.zero_rated("VAT", code="G", reason="Export"),
            Tax.zero_rated("VAT", note="Zero-rated books"),
        )
        priced = price(
            Document(
                currency="EUR", items=[line(str(i), "1", "10", t) for i, t in enumerate(taxes)]
            )
        )
        text = priced.to_text()
        assert "(VATEX-EU-132-1I: Education)" in text
        assert "(VATEX-EU-AE)" in text
        assert "(Export)" in text
        assert "VAT 0 % (Z) on 10.00 (Zero-rated books)" in text
        html = priced._repr_html_()
        assert "VATEX-EU-132-1I: Education" in html
        assert "(VATEX-EU-AE)" in html

    def test_plain_data_carries_the_code_only_when_set(self) -> None:
        coded = Tax.exempt("VAT", reason="Education", reason_code="VATEX-EU-132-1I")
        reverse = Tax.reverse_charge("VAT", reason=None, reason_code="VATEX-EU-AE")
        plain = Tax.exempt("VAT", reason="Education")
        document = Document(
            currency="EUR",
            items=[
                line("A", "1", "10", coded),
                line("B", "1", "10", reverse),
                line("C", "1", "1", plain),
            ],
        )
        data = document_to_data(document)
        written = sorted(data["taxes"].values(), key=str)  # type: ignore[union-attr]
        assert {t.get("reason_code") for t in written} == {"VATEX-EU-132-1I", "VATEX-EU-AE", None}
        assert next(t for t in written if t["kind"] == "reverse_charge").keys() == {
            "name",
            "kind",
            "code",
            "reason_code",
        }
        assert [t for t in written if "reason_code" not in t] == [
            {"name": "VAT", "kind": "exempt", "code": "E", "reason": "Education"}
        ]
        assert document_from_data(data) == document

    def test_a_request_without_a_reason_code_keeps_its_fingerprint(self) -> None:
        here = str(Path(__file__).parent)  # format 1's reference, by name, as test_fingerprints
        if here not in sys.path:
            sys.path.insert(0, here)
        format1 = pytest.importorskip("fingerprint_format1")
        exempt = Tax.exempt("VAT", reason="Education")
        desk = line("Desk", "1", "10.00", Tax.percent("VAT", "20"), exempt)
        before = fingerprint("price", line=desk)
        assert before == format1.fingerprint("price", line=desk)
        coded = attrs.evolve(exempt, reason_code="VATEX-EU-132-1I")
        assert fingerprint("price", line=line("Desk", "1", "10.00", coded)) != before

    def test_data_written_before_reason_codes_still_reads(self) -> None:
        data = {
            "currency": "EUR",
            "items": [
                {
                    "description": "Consulting",
                    "quantity": "1",
                    "unit_price": "100.00",
                    "taxes": [{"name": "VAT", "kind": "reverse_charge", "code": "AE"}],
                }
            ],
        }
        tax = document_from_data(data).items[0].taxes[0]  # type: ignore[union-attr]
        assert tax == Tax.reverse_charge("VAT")
        assert tax.kind is TaxKind.ZERO


# -- 2. category O, not subject to VAT -----------------------------------------------------


class TestNotSubject:
    def test_a_tax_of_category_o_states_no_rate(self) -> None:
        outside = Tax.not_subject("VAT", reason_code="VATEX-EU-O")
        assert (outside.code, outside.kind, outside.reason) == (
            "O",
            TaxKind.ZERO,
            "Not subject to VAT",
        )
        assert not outside.rate_stated
        assert "0 %" not in outside.label
        for stated in (
            Tax.percent("VAT", "20"),
            Tax.percent("VAT", "0", code="Z"),
            Tax.zero_rated("VAT"),
            Tax.exempt("VAT", reason="Education"),
            Tax.reverse_charge("VAT"),
            Tax.per_unit("Eco fee", eur("0.50")),
            Tax.division("Sales tax", "5"),
            Tax.withholding_tax("IRPF", "15"),
        ):
            assert stated.rate_stated

    def test_its_amounts_are_those_of_a_zero_tax(self) -> None:
        outside = Tax.not_subject("VAT")
        exempt = Tax.exempt("VAT", reason="Not subject to VAT", code="O")
        assert outside == exempt
        priced = price(Document(currency="EUR", items=[line("Damages", "3", "33.33", outside)]))
        (row,) = priced.tax_breakdown
        assert (row.base, row.amount, row.tax.rate_stated) == (eur("99.99"), eur("0.00"), False)
        assert priced.totals.tax_inclusive == eur("99.99")

    def test_renderings_show_no_rate(self) -> None:
        outside = Tax.not_subject("VAT", reason=None, reason_code="VATEX-EU-O")
        priced = price(
            Document(
                currency="EUR",
                items=[
                    line("Damages", "1", "10", outside),
                    line("Books", "1", "5", Tax.zero_rated("VAT")),
                ],
            )
        )
        for rendering in (priced.to_text(), priced._repr_html_()):
            assert "VAT (O)" in rendering
            assert "0 % (O)" not in rendering
            assert "VAT 0 % (Z)" in rendering

    def test_plain_data_round_trips_and_reads_the_kind_not_subject(self) -> None:
        outside = Tax.not_subject("VAT", reason_code="VATEX-EU-O")
        document = Document(currency="EUR", items=[line("Damages", "1", "10", outside)])
        assert document_from_data(document_to_data(document)) == document
        data = {
            "currency": "EUR",
            "items": [
                {
                    "description": "Damages",
                    "quantity": "1",
                    "unit_price": "10",
                    "taxes": [{"name": "VAT", "kind": "not_subject"}],
                }
            ],
        }
        read = document_from_data(data).items[0].taxes[0]  # type: ignore[union-attr]
        assert read == Tax.not_subject("VAT")


# -- 3. which lines and adjustments each breakdown row covers ------------------------------


def priced_or_reject(document: Document) -> PricedDocument:
    """Price a generated document; skip it if ordercore refuses it (and only then)."""
    try:
        return price(document)
    except OrdercoreError:
        reject()


class TestRowsCoverLines:
    vat = Tax.percent("VAT", "20")
    reduced = Tax.percent("VAT", "7", code="L")

    def test_each_row_lists_the_lines_of_its_tax(self) -> None:
        priced = price(
            Document(
                currency="EUR",
                items=[
                    line("Desk", "1", "300.00", self.vat),
                    line("Book", "2", "15.00", self.reduced),
                    line("Lamp", "1", "40.00", self.vat, Tax.per_unit("Eco fee", eur("0.50"))),
                    line("Note", "1", "0.00"),
                ],
            )
        )
        rows = {row.tax.label: priced.lines_of(row) for row in priced.tax_breakdown}
        assert rows == {"VAT 20 %": (0, 2), "VAT 7 %": (1,), "Eco fee EUR 0.50/unit": (2,)}
        assert all(row.returns is None for row in priced.tax_breakdown)

    def test_per_group_sales_and_returns_are_rows_of_their_own(self) -> None:
        priced = price(
            Document(
                currency="EUR",
                items=[
                    line("Desk", "1", "300.00", self.vat),
                    line("Desk returned", "-1", "300.00", self.vat),
                    line("Chair", "2", "50.00", self.vat),
                    line("Free sample returned", "-1", "0.00", self.vat),
                ],
                policy=Policy(tax_rounding=TaxRounding.PER_GROUP),
            )
        )
        sales, returns = priced.tax_breakdown
        assert (sales.returns, sales.base) == (False, eur("400.00"))
        assert (returns.returns, returns.base) == (True, eur("-300.00"))
        assert priced.lines_of(sales) == (0, 2)
        assert priced.lines_of(returns) == (1, 3)

    def test_standalone_adjustments_with_taxes_are_in_their_rows(self) -> None:
        priced = price(
            Document(
                currency="EUR",
                items=[
                    line("Desk", "1", "300.00", self.vat),
                    line("Book", "1", "20.00", self.reduced),
                ],
                allowances=[Allowance.fixed(eur("10.00"), reason="Voucher", taxes=[self.vat])],
                charges=[Charge.fixed(eur("5.00"), reason="Delivery", taxes=[self.vat])],
                policy=Policy(
                    adjustments=AdjustmentMode.STANDALONE, tax_rounding=TaxRounding.PER_GROUP
                ),
            )
        )
        by_side = {(row.tax.rate, row.returns): row for row in priced.tax_breakdown}
        sales, allowance = by_side[Decimal(20), False], by_side[Decimal(20), True]
        assert priced.lines_of(sales) == (0,)
        assert [priced.adjustments[i].adjustment.reason for i in priced.adjustments_of(sales)] == [
            "Delivery"
        ]
        assert priced.lines_of(allowance) == ()
        assert [
            priced.adjustments[i].adjustment.reason for i in priced.adjustments_of(allowance)
        ] == ["Voucher"]
        assert priced.adjustments_of(by_side[Decimal(7), False]) == ()

    def test_distributed_adjustments_are_in_their_lines(self) -> None:
        priced = price(
            Document(
                currency="EUR",
                items=[line("Desk", "1", "300.00", self.vat)],
                allowances=[Allowance.percentage("10", reason="Member")],
            )
        )
        (row,) = priced.tax_breakdown
        assert (priced.lines_of(row), priced.adjustments_of(row)) == ((0,), ())

    @given(documents(returns=True))
    def test_every_line_is_in_exactly_the_rows_of_its_taxes(self, document: Document) -> None:
        priced = priced_or_reject(document)
        covering: dict[int, list[TaxSubtotal]] = {i: [] for i in range(len(priced.lines))}
        for row in priced.tax_breakdown:
            covered = priced.lines_of(row)
            assert covered or priced.adjustments_of(row) or row.correction is not None
            for index in covered:
                covering[index].append(row)
        for index, rows in covering.items():
            keys = [row.tax.breakdown_key for row in rows]
            own = {tax.breakdown_key for tax in priced.lines[index].line.taxes}
            assert sorted(keys, key=repr) == sorted(own, key=repr)  # each exactly once
        per_group = document.policy.tax_rounding is TaxRounding.PER_GROUP
        for row in priced.tax_breakdown:
            assert (row.returns is not None) is per_group  # the documents have no corrections


# -- 4. the net unit price of a line (BT-146) -----------------------------------------------


def at_net_price(priced: PricedDocument, index: int) -> Decimal:
    """EN 16931's quantity x net price / base quantity, rounded as the document rounds."""
    line = priced.lines[index].line
    exact = line.quantity * priced.net_price(index).amount / line.base_quantity
    return exact.quantize(Decimal(1).scaleb(-priced.precision), priced.policy.rounding.value)


class TestNetPrice:
    def test_the_net_price_is_the_unit_price_after_the_price_discount(self) -> None:
        priced = price(
            Document(
                currency="EUR",
                items=[
                    Line(
                        description="Clips",
                        quantity="3",
                        unit_price=eur("2.345"),
                        price_discount=Discount.percent("10"),
                    ),
                    Line(
                        description="Paper",
                        quantity="3",
                        unit_price=eur("2.345"),
                        price_discount=Discount.per_unit(eur("0.005")),
                    ),
                    Line(description="Desk", quantity="2", unit_price=eur("99.90")),
                    Line(
                        description="Cable",
                        quantity="250",
                        unit_price=eur("12.00"),
                        base_quantity="100",
                        discounts=[Discount.percent("5")],
                    ),
                ],
                policy=Policy(price_places=4),
            )
        )
        assert [priced.net_price(i) for i in range(4)] == [
            eur("2.1105"),
            eur("2.34"),
            eur("99.90"),
            eur("12.00"),
        ]
        assert [at_net_price(priced, i) for i in range(4)] == [
            Decimal("6.33"),
            Decimal("7.02"),
            Decimal("199.80"),
            Decimal("30.00"),
        ]
        # the cable's allowance (5 % of 30.00) is what its discounts take
        assert priced.lines[3].net.amount == at_net_price(priced, 3) - Decimal("1.50")

    def test_the_policys_price_places_round_a_percentage_price_discount(self) -> None:
        line = Line(
            description="Clips",
            quantity="1000",
            unit_price=eur("0.33"),
            price_discount=Discount.percent("15"),
        )
        for places, expected in ((6, "0.2805"), (3, "0.281"), (2, "0.28")):
            priced = price(
                Document(currency="EUR", items=[line], policy=Policy(price_places=places))
            )
            assert priced.net_price(0) == eur(expected)
            assert priced.lines[0].net.amount == at_net_price(priced, 0)

    def test_with_an_included_tax_the_formula_gives_the_stated_amount(self) -> None:
        vat = Tax.percent("VAT", "20", included=True)
        priced = price(
            Document(
                currency="EUR",
                items=[
                    Line(
                        description="Dinner",
                        quantity="2",
                        unit_price=eur("60.00"),
                        price_discount=Discount.percent("10"),
                        taxes=[vat],
                    )
                ],
            )
        )
        assert priced.net_price(0) == eur("54.00")
        assert priced.lines[0].stated == eur("108.00")
        assert priced.lines[0].net == eur("90.00")

    @given(documents(returns=True))
    def test_the_line_formula_holds_for_lines_without_line_discounts(
        self, document: Document
    ) -> None:
        priced = priced_or_reject(document)
        for index, priced_line in enumerate(priced.lines):
            line = priced_line.line
            if line.discounts:
                continue
            stated = at_net_price(priced, index) + priced_line.distributed.amount
            assert priced_line.stated.amount == stated
            if not line.has_included_tax:
                assert priced_line.net.amount == stated
