"""Pricing rules of DOMAIN sections 2-4, each shown on a worked example."""

import contextlib
import decimal
from collections.abc import Iterator
from decimal import Decimal

import attrs
import pytest
from babel.numbers import format_decimal

from ordercore import (
    AdjustmentMode,
    Allowance,
    CashRounding,
    Charge,
    CurrencyMismatch,
    Discount,
    Document,
    FloatNotAllowed,
    Group,
    InvalidAdjustment,
    InvalidAmount,
    InvalidCode,
    InvalidDiscount,
    InvalidDocument,
    InvalidLine,
    InvalidNumber,
    InvalidTax,
    InvalidType,
    Line,
    LineKind,
    Money,
    Policy,
    PricedDocument,
    PriceSource,
    RoundingMode,
    Stacking,
    Tax,
    TaxCorrection,
    TaxRounding,
    TotalsTooLarge,
    UnknownCurrency,
    price,
)
from ordercore.pricing import DiscountKind, TaxKind


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


VAT20 = Tax.percent("VAT", "20")
VAT10 = Tax.percent("VAT", "10")


@contextlib.contextmanager
def refused(error: type[Exception], **attributes: object) -> Iterator[None]:
    """Expect exactly ``error``, carrying each of ``attributes`` with the value given."""
    with pytest.raises(error) as caught:
        yield
    assert type(caught.value) is error, caught.value
    carried = {name: getattr(caught.value, name) for name in attributes}
    assert carried == attributes, caught.value


def line(
    quantity: str, unit_price: str, *taxes: Tax, currency: str = "EUR", **fields: object
) -> Line:
    return Line(
        description=str(fields.pop("description", "Item")),
        quantity=quantity,
        unit_price=Money(unit_price, currency),
        taxes=list(taxes),
        **fields,  # type: ignore[arg-type]
    )


def priced(*items: Line | Group, currency: str = "EUR", **document: object) -> PricedDocument:
    return price(Document(currency=currency, items=list(items), **document))  # type: ignore[arg-type]


def nets(result: PricedDocument) -> list[Decimal]:
    return [priced_line.net.amount for priced_line in result.lines]


class TestLines:
    def test_gross_is_quantity_times_price_rounded_once(self) -> None:
        result = priced(line("3", "0.335"), line("0.75", "19.99"))
        assert [pl.gross for pl in result.lines] == [eur("1.01"), eur("14.99")]

    def test_base_quantity_prices_per_n_units(self) -> None:
        result = priced(line("250", "12.50", base_quantity="100"))
        assert result.lines[0].net == eur("31.25")

    def test_sequential_discounts_compound(self) -> None:
        discounts = [Discount.percent("10"), Discount.percent("5")]
        result = priced(line("1", "100.00", discounts=discounts))
        assert result.lines[0].net == eur("85.50")
        assert result.lines[0].discount == eur("14.50")

    def test_additive_discounts_sum_their_percentages(self) -> None:
        discounts = [Discount.percent("10"), Discount.percent("5")]
        result = priced(
            line("1", "100.00", discounts=discounts), policy=Policy(stacking=Stacking.ADDITIVE)
        )
        assert result.lines[0].net == eur("85.00")

    def test_fixed_discounts_per_unit_and_per_line(self) -> None:
        discounts = [Discount.per_unit(eur("0.50")), Discount.per_line(eur("2.00"))]
        result = priced(line("4", "10.00", discounts=discounts))
        assert result.lines[0].net == eur("36.00")

    def test_additive_applies_percentages_first_then_fixed_amounts(self) -> None:
        discounts = [
            Discount.per_line(eur("10.00")),
            Discount.percent("10"),
            Discount.percent("10"),
        ]
        result = priced(
            line("1", "100.00", discounts=discounts), policy=Policy(stacking=Stacking.ADDITIVE)
        )
        assert result.lines[0].net == eur("70.00")

    def test_each_discount_amount_is_rounded_as_it_is_taken(self) -> None:
        # 33.33 - 3.333 -> 3.33 = 30.00; 30.00 * 5% = 1.50 -> 28.50
        discounts = [Discount.percent("10"), Discount.percent("5")]
        result = priced(line("1", "33.33", discounts=discounts))
        assert result.lines[0].net == eur("28.50")

    def test_price_discount_and_line_discount_differ_by_a_cent(self) -> None:
        on_price = priced(line("7", "0.95", price_discount=Discount.percent("10")))
        on_line = priced(line("7", "0.95", discounts=[Discount.percent("10")]))
        # price: 0.95 -> 0.855 a unit, x 7 = 5.985 -> 5.99; line: 6.65 - 0.665 -> 0.67 = 5.98
        assert on_price.lines[0].net == eur("5.99")
        assert on_line.lines[0].net == eur("5.98")
        assert on_price.lines[0].gross == on_line.lines[0].gross == eur("6.65")

    def test_per_unit_price_discount(self) -> None:
        result = priced(line("3", "10.00", price_discount=Discount.per_unit(eur("1.25"))))
        assert result.lines[0].net == eur("26.25")
        assert result.lines[0].discount == eur("3.75")

    def test_a_discount_below_zero_is_an_error_not_a_clamp(self) -> None:
        fifty = Discount.per_line(eur("50.00"))
        with refused(InvalidDiscount, field="discounts", discount=fifty):
            priced(line("1", "40.00", discounts=[fifty]))
        with refused(InvalidDiscount, field="discounts", discount="60 %, 50 %"):
            priced(
                line("1", "40.00", discounts=[Discount.percent("60"), Discount.percent("50")]),
                policy=Policy(stacking=Stacking.ADDITIVE),
            )

    def test_sequential_percentages_never_go_below_zero(self) -> None:
        result = priced(
            line("1", "40.00", discounts=[Discount.percent("60"), Discount.percent("50")])
        )
        assert result.lines[0].net == eur("8.00")

    def test_a_hundred_percent_discount_is_fine(self) -> None:
        result = priced(line("2", "40.00", VAT20, discounts=[Discount.percent("100")]))
        assert result.totals.tax_inclusive == eur("0.00")

    def test_bad_discounts_are_refused_when_made(self) -> None:
        with refused(InvalidDiscount, field="value", discount="-5 %"):
            Discount.percent("-5")
        with refused(InvalidDiscount, field="value", discount="101 %"):
            Discount.percent("101")
        with refused(InvalidDiscount, field="amount", discount="1.00"):
            Discount.per_unit("1.00")  # type: ignore[arg-type]
        per_line = Discount.per_line(eur("1.00"))
        with refused(InvalidDiscount, field="price_discount", discount=per_line):
            line("1", "10.00", price_discount=per_line)
        too_much = Discount.per_unit(eur("11.00"))
        with refused(InvalidDiscount, field="price_discount", discount=too_much):
            line("1", "10.00", price_discount=too_much)

    def test_bad_lines_are_refused_when_made(self) -> None:
        with pytest.raises(FloatNotAllowed):
            Line(description="x", quantity=1.5, unit_price=eur("1"))
        with refused(InvalidType, field="unit_price", value="1.00"):
            Line(description="x", quantity="1", unit_price="1.00")
        with refused(InvalidLine, field="unit_price", line="Item"):  # by its document
            Document(currency="EUR", items=[line("1", "-1.00")])
        with refused(InvalidLine, field="taxes", line="Item"):
            line("1", "1.00", VAT20, VAT20)
        with pytest.raises(CurrencyMismatch):
            line("1", "1.00", discounts=[Discount.per_line(Money("1", "USD"))])
        with pytest.raises(InvalidType):
            Line(description="", quantity="1", unit_price=eur("1"))

    def test_a_line_keeps_where_its_price_came_from_and_pricing_ignores_it(self) -> None:
        source = PriceSource(catalog_version="2024-01", price_book="List", price_break="10")
        sourced = line("12", "9.50", VAT20, product="WID-1", price_source=source)
        plain = line("12", "9.50", VAT20, product="WID-1")
        assert sourced.price_source == source
        assert (source.price_break, source.kit) == (Decimal(10), None)
        assert plain.price_source is None
        assert sourced != plain  # the record is part of the line
        assert priced(sourced).totals == priced(plain).totals
        assert priced(sourced).lines[0].line.price_source is source
        assert repr(sourced) == repr(plain)  # a line prints short
        assert repr(attrs.evolve(source, kit="STARTER")) == (
            "PriceSource(catalog_version='2024-01', price_book='List', price_break='10', "
            "kit='STARTER')"
        )

    def test_bad_price_sources_are_refused_when_made(self) -> None:
        source = PriceSource(catalog_version="1", price_book="List", price_break="0")
        with refused(InvalidType, field="price_source", value="2024-01"):
            line("1", "1.00", product="A", price_source="2024-01")
        with refused(InvalidType, field="price_source", value={"catalog_version": "1"}):
            line("1", "1.00", product="A", price_source={"catalog_version": "1"})
        with refused(InvalidLine, field="product", line="Item"):
            line("1", "1.00", price_source=source)
        with pytest.raises(InvalidCode):
            PriceSource(catalog_version="", price_book="List", price_break="0")
        with pytest.raises(InvalidType):
            PriceSource(catalog_version="1", price_book=None, price_break="0")
        with pytest.raises(FloatNotAllowed):
            PriceSource(catalog_version="1", price_book="List", price_break=0.0)
        with refused(InvalidNumber, field="price_break", value="-1"):
            PriceSource(catalog_version="1", price_book="List", price_break="-1")
        with pytest.raises(InvalidCode):
            PriceSource(catalog_version="1", price_book="List", price_break="0", kit=" KIT")
        with pytest.raises(AttributeError):
            source.price_book = "Other"  # type: ignore[misc]

    def test_unit_price_decimals_are_bounded_by_the_policy(self) -> None:
        with refused(InvalidLine, field="unit_price", line="Item"):
            Document(currency="EUR", items=[line("1", "1.005")], policy=Policy(price_places=2))

    def test_lines_in_another_currency_are_refused(self) -> None:
        with refused(CurrencyMismatch, left="EUR", right="USD"):
            Document(currency="EUR", items=[line("1", "1.00", currency="USD")])

    def test_negative_lines_mirror_positive_ones(self) -> None:
        fee = Tax.per_unit("Fee", eur("0.50"))
        items = {
            sign: line(
                f"{sign}3",
                "17.99",
                VAT20,
                fee,
                discounts=[Discount.percent("10"), Discount.per_line(eur("1.00"))],
            )
            for sign in ("", "-")
        }
        sale, refund = priced(items[""]), priced(items["-"])
        assert refund.totals.tax_inclusive == -sale.totals.tax_inclusive
        assert refund.lines[0].net == -sale.lines[0].net
        assert refund.tax_breakdown[1].amount == eur("-1.50")


class TestTaxes:
    def test_included_tax_keeps_the_stated_price(self) -> None:
        result = priced(line("1", "100.00", Tax.percent("VAT", "10", included=True)))
        assert result.lines[0].net == eur("90.91")
        assert result.totals.tax == eur("9.09")
        assert result.totals.tax_inclusive == eur("100.00")

    def test_included_taxes_per_rate_keep_the_sum_of_stated_prices(self) -> None:
        vat = Tax.percent("VAT", "19", included=True)
        result = priced(*[line("1", "0.99", vat) for _ in range(7)], line("3", "2.49", vat))
        assert result.totals.tax_inclusive == eur("14.40")
        assert sum(nets(result)) == result.totals.lines_net.amount == Decimal("12.10")
        # every line net is within a cent of its own backed-out value
        for priced_line in result.lines:
            own = priced_line.stated.amount / Decimal("1.19")
            assert abs(priced_line.net.amount - own) < Decimal("0.01")

    def test_several_included_taxes_split_one_stated_price(self) -> None:
        vat = Tax.percent("VAT", "20", included=True)
        eco = Tax.per_unit("Eco fee", eur("0.50"), included=True)
        result = priced(
            line("1", "100.00", vat, eco), policy=Policy(tax_rounding=TaxRounding.PER_LINE)
        )
        assert result.lines[0].net == eur("82.92")
        assert [row.amount for row in result.tax_breakdown] == [eur("16.58"), eur("0.50")]
        assert result.totals.tax_inclusive == eur("100.00")

    def test_included_and_excluded_rows_of_one_rate_merge(self) -> None:
        included = Tax.percent("VAT", "20", included=True)
        result = priced(line("1", "120.00", included), line("1", "100.00", VAT20))
        assert len(result.tax_breakdown) == 1
        assert result.tax_breakdown[0].base == eur("200.00")
        assert result.tax_breakdown[0].amount == eur("40.00")

    def test_compound_tax_joins_later_bases(self) -> None:
        gst = Tax.percent("GST", "5", compound=True)
        qst = Tax.percent("QST", "9.975")
        plain = Tax.percent("QST", "9.975", on_plain_net=True)
        assert priced(line("1", "100.00", gst, qst)).totals.tax == eur("15.47")  # 5 + 10.47
        assert priced(line("1", "100.00", gst, plain)).totals.tax == eur("14.98")  # 5 + 9.98

    def test_compound_rows_read_base_times_rate_per_rate(self) -> None:
        excise = Tax.percent("Excise", "10", code="EXC", compound=True)
        result = priced(line("1", "20.12", excise, Tax.percent("VAT", "19")))
        rows = [(row.base, row.amount) for row in result.tax_breakdown]
        assert rows == [(eur("20.12"), eur("2.01")), (eur("22.13"), eur("4.20"))]

    def test_division_ties_round_by_the_mode(self) -> None:
        levy = Tax.division("Levy", "12")  # 0.33 x 12 / 88 = 0.045 exactly
        for tax_rounding in TaxRounding:
            policy = Policy(rounding=RoundingMode.HALF_EVEN, tax_rounding=tax_rounding)
            assert priced(line("1", "0.33", levy), policy=policy).totals.tax == eur("0.04")

    def test_division_rate(self) -> None:
        result = priced(line("1", "100.00", Tax.division("Levy", "10")))
        assert result.totals.tax == eur("11.11")

    def test_per_unit_tax_follows_the_quantity(self) -> None:
        fee = Tax.per_unit("Fee", eur("0.50"))
        assert priced(line("3", "2.00", fee)).totals.tax == eur("1.50")
        assert priced(line("-3", "2.00", fee)).totals.tax == eur("-1.50")

    def test_exempt_reverse_charge_and_zero_rated_carry_their_reason(self) -> None:
        exempt = Tax.exempt("VAT", reason="Medical services, Art. 132 VAT Directive")
        reverse = Tax.reverse_charge("VAT")
        zero = Tax.zero_rated("VAT", code="G", reason="Export outside the EU")
        result = priced(
            line("1", "50.00", exempt), line("2", "10.00", reverse), line("1", "5.00", zero)
        )
        assert [
            (row.tax.code, row.base, row.amount, row.reason) for row in result.tax_breakdown
        ] == [
            ("E", eur("50.00"), eur("0.00"), "Medical services, Art. 132 VAT Directive"),
            ("AE", eur("20.00"), eur("0.00"), "Reverse charge"),
            ("G", eur("5.00"), eur("0.00"), "Export outside the EU"),
        ]

    def test_withholding_reduces_the_amount_payable(self) -> None:
        result = priced(line("1", "1000.00", VAT20, Tax.withholding_tax("IRPF", "15")))
        assert result.totals.tax == eur("50.00")  # 200.00 - 150.00
        assert result.totals.amount_due == eur("1050.00")

    def test_line_taxes_are_rounded_for_display_and_kept_exact(self) -> None:
        result = priced(line("1", "2.50", Tax.percent("VAT", "19")))
        assert (result.lines[0].tax, result.lines[0].tax_exact) == (eur("0.48"), eur("0.475"))
        half_even = priced(
            line("1", "2.50", Tax.percent("VAT", "19")),
            policy=Policy(rounding=RoundingMode.HALF_EVEN),
        )
        assert half_even.lines[0].tax == eur("0.48")  # 0.475 -> the even 0.48

    def test_per_line_and_per_rate_differ_by_a_cent(self) -> None:
        items = [line("1", "0.05", VAT10) for _ in range(3)]
        per_rate = priced(*items)
        per_line = priced(*items, policy=Policy(tax_rounding=TaxRounding.PER_LINE))
        assert per_rate.totals.tax == eur("0.02")  # round(0.15 x 10 %) = round(0.015)
        assert per_line.totals.tax == eur("0.03")  # 3 x round(0.005)

    def test_a_withholding_rate_ignores_the_host_context(self) -> None:
        with decimal.localcontext() as context:
            context.prec = 2
            irpf = Tax.withholding_tax("IRPF", "19.5")
        assert priced(line("1", "100.00", irpf)).totals.tax == eur("-19.50")

    def test_currencies_given_as_codes_are_checked(self) -> None:
        fee = Tax(name="Fee", code="S", kind=TaxKind.PER_UNIT, rate=Decimal("0.50"), currency="EUR")
        assert fee.currency == Money("0", "EUR").currency
        with pytest.raises(UnknownCurrency):
            Tax(name="Fee", code="S", kind=TaxKind.PER_UNIT, rate=Decimal("0.50"), currency="XYZ")
        with pytest.raises(InvalidType):
            Discount(kind=DiscountKind.PER_LINE, value=Decimal(1), currency=True)

    def test_a_price_must_cover_its_included_per_unit_taxes(self) -> None:
        eco = Tax.per_unit("Eco fee", eur("0.50"), code="ECO", included=True)
        vat = Tax.percent("VAT", "20", included=True)
        for tax_rounding in TaxRounding:
            with refused(InvalidLine, field="taxes", line="Item"):
                priced(line("1", "0.30", eco, vat), policy=Policy(tax_rounding=tax_rounding))

    def test_a_fraction_of_a_unit_of_included_per_unit_tax_on_a_free_line_is_no_sign_change(
        self,
    ) -> None:
        eco = Tax.per_unit("Eco", Money("0.25", "JPY"), included=True)
        for tax_rounding in TaxRounding:
            result = priced(
                line("1", "0", eco, currency="JPY"),
                currency="JPY",
                policy=Policy(tax_rounding=tax_rounding),
            )
            assert (result.lines[0].net, result.totals.tax) == (
                Money("0", "JPY"),
                Money("0", "JPY"),
            )

    def test_included_taxes_are_backed_out_per_rate_whatever_else_a_line_bears(self) -> None:
        vat = Tax.percent("VAT", "19", included=True)
        levy = Tax.percent("Levy", "0", code="LV")
        alike = priced(line("1", "9.99", vat), line("1", "9.99", vat))
        mixed = priced(line("1", "9.99", vat), line("1", "9.99", vat, levy))
        assert alike.tax_breakdown[0] == mixed.tax_breakdown[0]
        assert (alike.tax_breakdown[0].base, alike.tax_breakdown[0].amount) == (
            eur("16.79"),
            eur("3.19"),
        )

    def test_a_line_keeps_its_taxes_as_written(self) -> None:
        twenty = line("1", "1.00", Tax.percent("VAT", "20"))
        written_long = line("1", "1.00", Tax.percent("VAT", "20.00"))
        assert str(written_long.taxes[0]) == "VAT 20.00 %"
        assert twenty.taxes is line("1", "2.00", Tax.percent("VAT", "20")).taxes  # shared tuple

    def test_tax_rules_are_checked_when_made(self) -> None:
        with refused(InvalidTax, field="rate", tax="VAT"):
            Tax.percent("VAT", "120")
        with refused(InvalidTax, field="reason", tax="VAT"):
            Tax(name="VAT", code="E", kind=Tax.exempt("V", reason="r").kind, rate=Decimal(0))
        with pytest.raises(FloatNotAllowed):
            Tax.percent("VAT", 0.2)
        with refused(InvalidTax, field="rate", tax="Levy"):
            Tax.division("Levy", "100")


class TestGroupsAndAdjustments:
    def test_group_discount_and_shipping_are_spread_over_the_lines(self) -> None:
        hardware = Group(
            name="Hardware",
            lines=[line("2", "89.00", VAT20), line("5", "3.333", VAT20)],
            allowances=[Allowance.percentage("10", reason="Bundle")],
            charges=[Charge.fixed(eur("9.90"), reason="Shipping")],
        )
        result = priced(hardware, line("1", "20.00", VAT20))
        group = result.groups[0]
        assert [a.amount for a in group.adjustments] == [eur("19.47"), eur("9.90")]
        assert sum(pl.distributed.amount for pl in group.lines) == Decimal("-9.57")
        assert group.subtotal == eur("185.10")  # 194.67 - 19.47 + 9.90
        assert result.lines[2].distributed == eur("0.00")
        assert result.totals.lines_net == eur("205.10")

    def test_document_allowance_distributed_over_all_lines(self) -> None:
        result = priced(
            line("1", "10.00", VAT20),
            line("1", "20.00", VAT10),
            allowances=[Allowance.percentage("10", reason="Loyalty")],
        )
        assert nets(result) == [Decimal("9.00"), Decimal("18.00")]
        assert result.totals.allowances == eur("0")  # inside the line nets
        assert result.adjustments[0].amount == eur("3.00")
        assert result.totals.tax == eur("3.60")

    def test_document_charge_standalone_with_its_own_tax(self) -> None:
        result = priced(
            line("1", "100.00", VAT20),
            charges=[Charge.fixed(eur("10.00"), reason="Shipping", taxes=[VAT20])],
            allowances=[Allowance.percentage("5", reason="Loyalty", taxes=[VAT20])],
            policy=Policy(adjustments=AdjustmentMode.STANDALONE),
        )
        totals = result.totals
        assert (totals.lines_net, totals.allowances, totals.charges) == (
            eur("100.00"),
            eur("5.00"),
            eur("10.00"),
        )
        assert totals.tax_exclusive == eur("105.00")
        assert result.tax_breakdown[0].base == eur("105.00")
        assert totals.tax == eur("21.00")

    def test_standalone_needs_taxes_and_distributed_refuses_them(self) -> None:
        untaxed = Charge.fixed(eur("1"), reason="Shipping")
        with refused(InvalidAdjustment, field="taxes", adjustment=untaxed):
            Document(
                currency="EUR",
                items=[line("1", "1.00")],
                charges=[untaxed],
                policy=Policy(adjustments=AdjustmentMode.STANDALONE),
            )
        taxed = Charge.fixed(eur("1"), reason="Shipping", taxes=[VAT20])
        with refused(InvalidAdjustment, field="taxes", adjustment=taxed):
            Document(currency="EUR", items=[line("1", "1.00")], charges=[taxed])

    def test_an_allowance_may_not_exceed_its_base(self) -> None:
        six = Allowance.fixed(eur("6"), reason="x")
        with refused(InvalidAdjustment, field="amount", adjustment=six):
            priced(Group(name="G", lines=[line("1", "5.00")], allowances=[six]))

    def test_a_sale_and_a_return_share_a_percentage_allowance(self) -> None:
        result = priced(
            line("2", "10.00"),
            line("-1", "10.00"),
            allowances=[Allowance.percentage("10", reason="x")],
        )
        assert nets(result) == [Decimal("18.00"), Decimal("-9.00")]
        assert result.adjustments[0].amount == eur("1.00")

    def test_a_fixed_amount_is_not_spread_over_sales_and_returns(self) -> None:
        items = [line("1", "100.00", VAT20), line("-1", "99.99", Tax.percent("VAT", "7"))]
        shipping = Charge.fixed(eur("1.00"), reason="Shipping")
        with refused(InvalidAdjustment, field="lines", adjustment=shipping):
            priced(*items, charges=[shipping])
        one = Allowance.fixed(eur("1"), reason="x")
        with refused(InvalidAdjustment, field="lines", adjustment=one):
            priced(line("1", "10.00"), line("-1", "10.00"), allowances=[one])

    def test_a_fixed_charge_needs_a_net_to_spread_over(self) -> None:
        shipping = Charge.fixed(eur("4.90"), reason="Shipping")
        samples = Group(name="Samples", lines=[line("1", "0.00")], charges=[shipping])
        with refused(InvalidAdjustment, field="lines", adjustment=shipping):
            priced(samples)

    def test_adjustments_are_checked_when_made(self) -> None:
        with pytest.raises(InvalidAdjustment) as caught:
            Allowance(reason="x")
        assert caught.value.field == "percent"
        one = Charge.fixed(eur("1"), reason="x")
        with refused(InvalidAdjustment, field="lines", adjustment=one):
            Group(name="Empty", lines=[], charges=[one])
        with refused(InvalidAdjustment, field="lines", adjustment=one):
            Document(currency="EUR", items=[], charges=[one])
        with pytest.raises(InvalidAdjustment) as caught:
            Charge.fixed(eur("1"), reason="x", taxes=[Tax.per_unit("Fee", eur("1"))])
        assert caught.value.field == "taxes"
        with pytest.raises(InvalidAdjustment) as caught:
            Charge.fixed(eur("1"), reason="x", taxes=[Tax.percent("VAT", "20", included=True)])
        assert caught.value.field == "taxes"

    def test_shipping_as_a_line_of_its_own_with_its_own_tax(self) -> None:
        result = priced(
            line("1", "50.00", VAT10),
            line("1", "4.90", VAT20, description="Shipping", kind=LineKind.CHARGE),
        )
        assert [row.base for row in result.tax_breakdown] == [eur("50.00"), eur("4.90")]
        assert result.totals.tax == eur("5.98")


class TestCurrenciesAndTotals:
    def test_yen_have_no_decimals(self) -> None:
        result = priced(
            line("3", "1234.5", Tax.percent("JCT", "10"), currency="JPY"), currency="JPY"
        )
        assert result.lines[0].net == Money("3704", "JPY")
        assert result.totals.tax == Money("370", "JPY")
        assert result.precision == 0

    def test_bahraini_dinar_has_three(self) -> None:
        result = priced(
            line("3", "1.2345", Tax.percent("VAT", "10"), currency="BHD"), currency="BHD"
        )
        assert result.lines[0].net == Money("3.704", "BHD")
        assert result.totals.tax == Money("0.370", "BHD")

    def test_swiss_cash_rounding_is_a_separate_adjustment(self) -> None:
        result = priced(
            line("1", "11.40", Tax.percent("MWST", "8.1"), currency="CHF"),
            currency="CHF",
            policy=Policy(cash_rounding=CashRounding.for_currency("CHF")),
        )
        totals = result.totals
        assert totals.tax_inclusive == Money("12.32", "CHF")
        assert totals.rounding == Money("-0.02", "CHF")
        assert totals.amount_due == Money("12.30", "CHF")

    def test_fixed_amounts_finer_than_the_currency_are_refused(self) -> None:
        with refused(InvalidAmount, field="prepaid", value=Decimal("0.001")):
            Document(currency="EUR", items=[line("1", "10.00")], prepaid=eur("0.001"))
        with refused(InvalidAmount, field="discounts", value=Decimal("0.005")):
            Document(
                currency="EUR",
                items=[
                    line(
                        "1",
                        "10.00",
                        description="Gift",
                        discounts=[Discount.per_line(eur("0.005"))],
                    )
                ],
            )
        with refused(InvalidAmount, field="cash_rounding", value=Decimal("0.003")):
            Document(
                currency="EUR",
                items=[line("1", "10.00")],
                policy=Policy(cash_rounding=CashRounding(increment="0.003")),
            )
        with refused(InvalidAmount, field="charges", value=Decimal("0.5")):
            Document(
                currency="JPY",
                items=[line("1", "100", currency="JPY")],
                charges=[Charge.fixed(Money("0.5", "JPY"), reason="Shipping")],
            )

    def test_cash_rounding_applies_to_what_is_left_to_pay(self) -> None:
        result = priced(
            line("1", "12.60", Tax.percent("MWST", "8.1"), currency="CHF"),
            currency="CHF",
            prepaid=Money("10.01", "CHF"),
            policy=Policy(cash_rounding=CashRounding.for_currency("CHF")),
        )
        totals = result.totals
        assert totals.tax_inclusive == Money("13.62", "CHF")
        assert (totals.rounding, totals.amount_due) == (Money("-0.01", "CHF"), Money("3.60", "CHF"))

    def test_a_negative_prepaid_amount_is_refused(self) -> None:
        with refused(InvalidAmount, field="prepaid", value=Decimal("-5.00")):
            Document(currency="EUR", items=[line("1", "1.00")], prepaid=eur("-5.00"))

    def test_prepaid_amount_is_deducted(self) -> None:
        result = priced(line("1", "100.00", VAT20), prepaid=eur("50.00"))
        assert result.totals.amount_due == eur("70.00")
        with pytest.raises(CurrencyMismatch):
            Document(currency="EUR", items=[line("1", "1.00")], prepaid=Money("1", "USD"))

    def test_half_even_rounding_is_recorded_and_used(self) -> None:
        result = priced(line("1", "2.345"), policy=Policy(rounding=RoundingMode.HALF_EVEN))
        assert result.lines[0].net == eur("2.34")
        assert result.policy.rounding is RoundingMode.HALF_EVEN

    def test_the_global_decimal_context_changes_nothing(self) -> None:
        document = Document(
            currency="EUR",
            items=[
                line(
                    "3",
                    "17.99",
                    VAT20,
                    Tax.percent("Levy", "3.3", included=True),
                    discounts=[Discount.percent("7.5")],
                )
            ],
            allowances=[Allowance.percentage("2", reason="x")],
        )
        expected = price(document)
        with decimal.localcontext() as context:
            context.prec = 4
            context.rounding = decimal.ROUND_FLOOR
            context.traps[decimal.Inexact] = True
            again = price(document)
        assert again == expected

    def test_zero_amounts_carry_the_currency_precision(self) -> None:
        result = priced(line("1", "10.00"))
        totals = result.totals
        assert [
            str(m) for m in (totals.allowances, totals.rounding, totals.prepaid, totals.tax)
        ] == ["EUR 0.00"] * 4
        assert str(result.lines[0].discount) == "EUR 0.00"

    def test_line_properties_ignore_the_host_context(self) -> None:
        result = priced(line("1", "1234.56", Tax.percent("VAT", "19")))
        with decimal.localcontext() as context:
            context.prec = 4
            stated, total = result.lines[0].stated, result.lines[0].total
        assert (stated, total) == (eur("1234.56"), eur("1469.13"))

    def test_results_beyond_the_size_limit_name_the_line_or_the_document(self) -> None:
        with pytest.raises(InvalidLine) as bulk:
            priced(line("100000000000000", "100", description="Bulk"))
        assert (bulk.value.line, bulk.value.field) == ("Bulk", "quantity")
        with pytest.raises(TotalsTooLarge) as error:
            priced(*[line("99999999999999", "9") for _ in range(2)])
        assert error.value.limit == Decimal(10) ** 15
        assert error.value.total == Decimal("1799999999999982.00")
        assert isinstance(error.value, InvalidDocument)

    def test_group_subtotal_is_before_document_adjustments(self) -> None:
        result = priced(
            Group(
                name="G",
                lines=[line("1", "100.00")],
                charges=[Charge.fixed(eur("10.00"), reason="Setup")],
            ),
            allowances=[Allowance.percentage("10", reason="Loyalty")],
        )
        assert result.groups[0].subtotal == eur("110.00")
        assert result.totals.lines_net == eur("99.00")

    def test_an_empty_document_prices_to_zero(self) -> None:
        result = priced()
        assert result.totals.amount_due == eur("0")
        assert result.tax_breakdown == ()

    def test_price_refuses_other_things(self) -> None:
        with pytest.raises(InvalidType):
            price("document")  # type: ignore[arg-type]


class TestPrinting:
    @pytest.fixture
    def result(self) -> PricedDocument:
        return priced(
            Group(name="Tools", lines=[line("2", "9.99", VAT20, description="Hammer <steel>")]),
            line("1", "5.00", Tax.exempt("VAT", reason="Exempt"), description="Course"),
        )

    def test_repr_is_short(self, result: PricedDocument) -> None:
        assert (
            repr(result)
            == "PricedDocument(currency='EUR', lines=2, tax_inclusive='28.98', amount_due='28.98')"
        )
        assert repr(result.lines[0]) == (
            "PricedLine(description='Hammer <steel>', net=Money('19.98', 'EUR'), tax=Money('4.00', 'EUR'))"
        )

    def test_text_is_a_table_without_locale(self, result: PricedDocument) -> None:
        text = str(result)
        assert "Hammer <steel>" in text
        assert "Subtotal Tools" in text
        assert "VAT 0 % (E) on 5.00 (Exempt)" in text
        assert text.splitlines()[-2].endswith("28.98")

    def test_localized_text_needs_an_explicit_locale(self, result: PricedDocument) -> None:
        # the separators are CLDR's, asked of babel rather than written out
        localized = format_decimal(Decimal("28.98"), format="#,##0.00", locale="de_DE")
        assert localized in result.to_text(locale="de_DE")
        assert "28.98" in str(result)

    def test_html_for_notebooks_escapes(self, result: PricedDocument) -> None:
        html = result._repr_html_()
        assert html.startswith("<table")
        assert "Hammer &lt;steel&gt;" in html
        assert "<tfoot>" in html


class TestTaxCorrections:
    """A tax correction adds to one row of the breakdown; the totals follow the rows."""

    def correction(self, amount: str, tax: Tax = VAT20) -> TaxCorrection:
        return TaxCorrection(tax=tax, amount=eur(amount), reason="Rounding difference")

    def test_it_adds_to_the_row_of_its_rate_and_the_totals_follow(self) -> None:
        result = priced(
            line("1", "10.00", VAT20),
            line("1", "10.00", VAT10),
            tax_corrections=[self.correction("-0.01")],
        )
        rows = [(row.tax.rate, row.base.amount, row.amount.amount) for row in result.tax_breakdown]
        assert rows == [(Decimal(20), Decimal("10.00"), Decimal("1.99")), (10, 10, 1)]
        assert result.tax_breakdown[0].correction == eur("-0.01")
        assert result.tax_breakdown[1].correction is None
        assert result.totals.tax == eur("2.99")
        assert result.totals.tax_inclusive == eur("22.99")
        assert "VAT 20 % on 10.00 (incl. correction -0.01)" in result.to_text()

    def test_an_included_tax_is_the_same_row(self) -> None:
        included = Tax.percent("VAT", "20", included=True)
        result = priced(line("1", "12.00", included), tax_corrections=[self.correction("0.01")])
        assert [row.amount.amount for row in result.tax_breakdown] == [Decimal("2.01")]
        assert result.totals.tax_inclusive == eur("12.01")

    def test_a_rate_the_lines_do_not_have_gets_its_own_row(self) -> None:
        result = priced(line("1", "10.00", VAT10), tax_corrections=[self.correction("0.02")])
        assert [(r.tax, r.base.amount, r.amount.amount) for r in result.tax_breakdown] == [
            (VAT10, Decimal("10.00"), Decimal("1.00")),
            (VAT20, Decimal("0.00"), Decimal("0.02")),
        ]
        assert result.totals.tax == eur("1.02")

    @pytest.mark.parametrize(
        ("make", "error", "carried"),
        [
            (
                lambda: TaxCorrection(tax=VAT20, amount=eur("0.00"), reason="x"),
                InvalidAmount,
                {"field": "amount", "value": Decimal("0.00")},
            ),
            (
                lambda: TaxCorrection(tax=Tax.zero_rated("VAT"), amount=eur("0.01"), reason="x"),
                InvalidAmount,
                {"field": "amount", "value": Decimal("0.01")},
            ),
            (
                lambda: TaxCorrection(tax="VAT", amount=eur("0.01"), reason="x"),  # type: ignore[arg-type]
                InvalidType,
                {"field": "tax", "value": "VAT"},
            ),
            (
                lambda: TaxCorrection(tax=VAT20, amount=0.01, reason="x"),  # type: ignore[arg-type]
                InvalidType,
                {"field": "amount", "value": 0.01},
            ),
            (
                lambda: TaxCorrection(tax=VAT20, amount=eur("0.01"), reason=""),
                InvalidType,
                {"field": "reason", "value": ""},
            ),
        ],
    )
    def test_bad_corrections_are_refused(  # type: ignore[no-untyped-def]
        self, make, error, carried
    ) -> None:
        with refused(error, **carried):
            make()

    def test_a_document_refuses_corrections_it_cannot_carry(self) -> None:
        one = line("1", "10.00", VAT20)
        with pytest.raises(CurrencyMismatch):
            Document(
                currency="EUR",
                items=[one],
                tax_corrections=[TaxCorrection(tax=VAT20, amount=Money("1", "JPY"), reason="x")],
            )
        with refused(InvalidAmount, field="tax_corrections", value=Decimal("0.001")):
            Document(currency="EUR", items=[one], tax_corrections=[self.correction("0.001")])
        with refused(InvalidAmount, field="tax_corrections", value=Decimal("0.02")):
            Document(
                currency="EUR",
                items=[one],
                tax_corrections=[self.correction("0.01"), self.correction("0.02")],
            )
