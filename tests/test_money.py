"""Money, currencies, rounding, allocation and exchange rates: examples of every rule."""

import copy
import datetime as dt
import decimal
import pickle
from decimal import Decimal
from fractions import Fraction

import moneyed
import pytest
from babel.numbers import format_currency

from ordercore import Document, DraftInvoice, Line, Request, errors
from ordercore.errors import (
    CurrencyMismatch,
    FloatNotAllowed,
    ImmutableCurrency,
    InvalidAllocation,
    InvalidAmount,
    InvalidNumber,
    InvalidType,
    NumberOutOfRange,
    OrdercoreError,
    UnknownCurrency,
    UnknownLocale,
)
from ordercore.money import (
    CashRounding,
    ExchangeRate,
    Money,
    RoundingMode,
    allocate,
    apportion,
    cash_increment,
    get_currency,
    precision,
    quantum,
    round_to,
    to_decimal,
)

CENT = Decimal("0.01")


class TestNumbers:
    @pytest.mark.parametrize("value", [0.1, 1.0, float("nan")])
    def test_floats_are_refused_with_a_hint(self, value: float) -> None:
        with pytest.raises(FloatNotAllowed) as error:
            to_decimal(value, field="quantity")
        assert error.value.field == "quantity"
        assert error.value.value is value
        assert isinstance(error.value, TypeError)

    def test_strings_are_parsed_exactly(self) -> None:
        assert to_decimal("19.99") == Decimal("19.99")
        assert to_decimal(" 0.1 ") + to_decimal("0.2") == Decimal("0.3")

    @pytest.mark.parametrize("value", ["NaN", "Infinity", "-inf", "abc", "", "1e20"])
    def test_non_finite_garbage_and_huge_numbers_are_refused(self, value: str) -> None:
        with pytest.raises(InvalidNumber):
            to_decimal(value)

    def test_too_many_places(self) -> None:
        with pytest.raises(InvalidNumber) as error:
            to_decimal("1.234", max_places=2)
        assert error.value.value == "1.234"
        assert type(error.value) is InvalidNumber  # not out of range: too precise

    @pytest.mark.parametrize("value", [None, True, [1], object()])
    def test_other_types_are_refused(self, value: object) -> None:
        with pytest.raises(InvalidType):
            to_decimal(value)

    @pytest.mark.parametrize("value", ["1_000", "\u0661\u0662", "1,5", "0x10"])
    def test_only_plain_ascii_numbers(self, value: str) -> None:
        with pytest.raises(InvalidNumber):
            to_decimal(value)

    def test_no_scientific_notation_for_large_values(self) -> None:
        assert str(to_decimal("1E+3")) == "1000"
        assert str(Money("5", "EUR") * "1E+1") == "EUR 50"

    def test_negative_zero_is_zero(self) -> None:
        assert str(to_decimal("-0.00")) == "0.00"


class TestCurrencies:
    def test_precision_comes_from_cldr(self) -> None:
        assert (precision("JPY"), precision("EUR"), precision("BHD")) == (0, 2, 3)
        assert (quantum("JPY"), quantum("BHD")) == (Decimal(1), Decimal("0.001"))

    def test_where_cldr_and_iso_disagree_the_iso_minor_unit_wins(self) -> None:
        assert (precision("IQD"), precision("RSD"), precision("KWD"), precision("CLF")) == (
            3,
            2,
            3,
            4,
        )

    def test_cash_increments_come_from_cldr(self) -> None:
        assert cash_increment("CHF") == Decimal("0.05")
        assert cash_increment("SEK") == Decimal(1)
        assert cash_increment("EUR") == CENT

    @pytest.mark.parametrize("code", ["XYZ", "eur", "EURO", ""])
    def test_unknown_codes_are_refused_before_babel_is_asked(self, code: str) -> None:
        with pytest.raises(UnknownCurrency) as error:
            get_currency(code)
        assert error.value.code == code
        assert isinstance(error.value, LookupError)

    def test_a_moneyed_currency_passes_through(self) -> None:
        assert get_currency(moneyed.get_currency("USD")).code == "USD"


class TestMoney:
    def test_is_a_moneyed_money(self) -> None:
        assert isinstance(Money("1.00", "EUR"), moneyed.Money)

    def test_refuses_floats_and_unknown_currencies(self) -> None:
        with pytest.raises(FloatNotAllowed):
            Money(19.99, "EUR")
        with pytest.raises(UnknownCurrency):
            Money("1", "ABC")

    def test_arithmetic_is_exact(self) -> None:
        assert Money("0.10", "EUR") + Money("0.20", "EUR") == Money("0.30", "EUR")
        assert Money("10.00", "EUR") - Money("0.01", "EUR") == Money("9.99", "EUR")
        assert Money("19.99", "EUR") * 3 == Money("59.97", "EUR")
        assert sum([Money("1.5", "EUR"), Money("2.5", "EUR")]) == Money("4.0", "EUR")
        assert Money("10", "EUR") / Money("4", "EUR") == Decimal("2.5")
        assert (Money("10.00", "EUR") / 3).rounded() == Money("3.33", "EUR")

    @pytest.mark.parametrize(
        "operation",
        [
            lambda a, b: a + b,
            lambda a, b: a - b,
            lambda a, b: a < b,
            lambda a, b: a >= b,
            lambda a, b: a / b,
        ],
    )
    def test_currencies_never_mix(self, operation) -> None:  # type: ignore[no-untyped-def]
        with pytest.raises(CurrencyMismatch) as error:
            operation(Money("1", "EUR"), Money("1", "USD"))
        assert {error.value.left, error.value.right} == {"EUR", "USD"}

    def test_multiplying_by_a_float_is_refused(self) -> None:
        with pytest.raises(FloatNotAllowed):
            Money("1", "EUR") * 1.1

    def test_is_immutable(self) -> None:
        money = Money("1", "EUR")
        with pytest.raises(AttributeError):
            money.amount = Decimal(2)  # type: ignore[misc]

    def test_prints_without_a_locale_and_formats_with_one(self) -> None:
        assert str(Money("1234.5", "EUR")) == "EUR 1234.5"
        assert repr(Money("1234.5", "EUR")) == "Money('1234.5', 'EUR')"
        # the separators are CLDR's (they change between babel releases): ask babel for them
        expected = format_currency(Decimal("1234.50"), "CHF", locale="de_CH")
        assert Money("1234.5", "CHF").format("de_CH") == expected

    def test_formatting_rounds_explicitly_and_ignores_the_host_context(self) -> None:
        assert Money("2.345", "EUR").format("de_DE") == format_currency(
            Decimal("2.35"), "EUR", locale="de_DE"
        )
        assert Money("2.345", "EUR").format("de_DE", mode=RoundingMode.HALF_EVEN) == (
            format_currency(Decimal("2.34"), "EUR", locale="de_DE")
        )
        expected = format_currency(Decimal("1234.34"), "EUR", locale="en_US")
        with decimal.localcontext() as context:
            context.prec = 2
            context.rounding = decimal.ROUND_CEILING
            assert Money("1234.341", "EUR").format("en_US") == expected

    def test_percent_of_money_is_exact_and_refuses_floats(self) -> None:
        assert 5 % Money("12.345", "EUR") == Money("0.61725", "EUR")
        with pytest.raises(FloatNotAllowed):
            0.1 % Money("200.00", "EUR")  # type: ignore[operator]

    def test_round_and_rounded_check_their_arguments(self) -> None:
        assert Money("2.345", "EUR").round(1) == Money("2.3", "EUR")
        with pytest.raises(InvalidType):
            Money("2.345", "EUR").round("2")  # type: ignore[arg-type]
        with pytest.raises(InvalidType):
            Money("2.345", "EUR").rounded("half_up")  # type: ignore[arg-type]

    def test_formatting_needs_a_known_locale(self) -> None:
        with pytest.raises(UnknownLocale) as error:
            Money("1", "EUR").format("xx_YY")
        assert error.value.locale == "xx_YY"
        with pytest.raises(InvalidType):
            Money("1", "EUR").format(None)  # type: ignore[arg-type]

    def test_rounds_to_the_currency(self) -> None:
        assert Money("2.345", "EUR").rounded() == Money("2.35", "EUR")
        assert Money("2.345", "EUR").rounded(RoundingMode.HALF_EVEN) == Money("2.34", "EUR")
        assert Money("0.5", "JPY").rounded() == Money("1", "JPY")
        assert Money("1.2345", "BHD").rounded() == Money("1.235", "BHD")

    def test_ignores_the_global_decimal_context(self) -> None:
        with decimal.localcontext() as context:
            context.prec = 3
            context.rounding = decimal.ROUND_FLOOR
            total = Money("12345.67", "EUR") + Money("0.01", "EUR")
            rounded = Money("2.345", "EUR").rounded()
        assert total == Money("12345.68", "EUR")
        assert rounded == Money("2.35", "EUR")


class TestRounding:
    @pytest.mark.parametrize(
        ("mode", "expected"),
        [
            (RoundingMode.HALF_UP, ["1.01", "1.02", "-1.01", "-1.02"]),
            (RoundingMode.HALF_EVEN, ["1.00", "1.02", "-1.00", "-1.02"]),
            (RoundingMode.HALF_DOWN, ["1.00", "1.01", "-1.00", "-1.01"]),
            (RoundingMode.UP, ["1.01", "1.02", "-1.01", "-1.02"]),
            (RoundingMode.DOWN, ["1.00", "1.01", "-1.00", "-1.01"]),
            (RoundingMode.CEILING, ["1.01", "1.02", "-1.00", "-1.01"]),
            (RoundingMode.FLOOR, ["1.00", "1.01", "-1.01", "-1.02"]),
        ],
    )
    def test_the_table_of_modes(self, mode: RoundingMode, expected: list[str]) -> None:
        values = ["1.005", "1.015", "-1.005", "-1.015"]
        assert [str(round_to(Decimal(v), CENT, mode)) for v in values] == expected

    def test_bad_arguments_get_ordercore_errors(self) -> None:
        with pytest.raises(FloatNotAllowed):
            round_to(1.005, CENT, RoundingMode.HALF_UP)  # type: ignore[arg-type]
        with pytest.raises(InvalidType):
            round_to(Decimal("1.005"), CENT, "ROUND_HALF_UP")  # type: ignore[arg-type]
        with pytest.raises(InvalidType):
            round_to(Decimal("1.005"), Decimal(0), RoundingMode.HALF_UP)
        with pytest.raises(FloatNotAllowed):
            CashRounding.for_currency("CHF").adjustment(13.62)  # type: ignore[arg-type]
        assert CashRounding.for_currency("CHF").adjustment("13.62") == Decimal("-0.02")  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        "quantum",
        [
            # found by hypothesis: a quantum written with 39 places overflowed the context
            Decimal(74458137128148) / Decimal(8747023329542023888107379),
            Decimal("0.0500000000000"),
            Decimal("1e-13"),
        ],
    )
    def test_a_quantum_with_more_than_twelve_places_is_out_of_range(self, quantum: Decimal) -> None:
        with pytest.raises(errors.NumberOutOfRange) as caught:
            round_to(Decimal("1.5"), quantum, RoundingMode.HALF_UP)
        assert caught.value.field == "quantum"

    def test_a_quantum_with_twelve_places_rounds(self) -> None:
        quantum = Decimal("0.050000000000")
        assert round_to(Decimal("1.52"), quantum, RoundingMode.HALF_UP) == Decimal("1.50")

    def test_symmetric_modes(self) -> None:
        assert {m for m in RoundingMode if not m.symmetric} == {
            RoundingMode.CEILING,
            RoundingMode.FLOOR,
        }

    def test_cash_rounding_to_five_centimes(self) -> None:
        chf = CashRounding.for_currency("CHF")
        assert chf.adjustment(Decimal("12.33")) == Decimal("0.02")
        assert chf.adjustment(Decimal("12.32")) == Decimal("-0.02")
        assert chf.adjustment(Decimal("12.325")) == Decimal("0.025")
        assert chf.adjustment(Decimal("-12.33")) == Decimal("-0.02")

    def test_cash_rounding_to_whole_kronor(self) -> None:
        assert CashRounding.for_currency("SEK").adjustment(Decimal("99.50")) == Decimal("0.50")

    def test_cash_increment_must_be_positive(self) -> None:
        with pytest.raises(InvalidNumber):
            CashRounding(increment="0")


class TestAllocate:
    def test_largest_remainder_and_ties_to_the_earliest(self) -> None:
        assert allocate(Decimal("100.00"), [1, 1, 1], CENT) == [
            Decimal("33.34"),
            Decimal("33.33"),
            Decimal("33.33"),
        ]
        assert allocate(Decimal("0.05"), [1, 1], CENT) == [Decimal("0.03"), Decimal("0.02")]

    def test_the_largest_remainder_wins_over_order(self) -> None:
        # exact shares 0.333..., 0.666...: the second has the larger remainder
        assert allocate(Decimal("0.01"), [Fraction(1, 3), Fraction(2, 3)], CENT) == [
            Decimal("0.00"),
            Decimal("0.01"),
        ]

    def test_negative_totals_mirror_positive_ones(self) -> None:
        ratios = [Decimal("0.5"), Decimal("0.3"), Decimal("0.2")]
        positive = allocate(Decimal("10.01"), ratios, CENT)
        assert allocate(Decimal("-10.01"), ratios, CENT) == [-p for p in positive]

    def test_negative_ratios_of_one_sign_are_fine(self) -> None:
        assert allocate(Decimal("1.00"), [-1, -3], CENT) == [Decimal("0.25"), Decimal("0.75")]

    def test_mixed_signs_split_proportionally(self) -> None:
        assert allocate(Decimal("-5.00"), [100, -50], CENT) == [Decimal("-10.00"), Decimal("5.00")]
        assert allocate(Decimal("0.01"), [2, -1], CENT) == [Decimal("0.02"), Decimal("-0.01")]

    def test_apportion_rounds_known_shares_to_a_given_total(self) -> None:
        parts = [Decimal("8.395"), Decimal("-8.395"), Decimal("1.004")]
        assert apportion(Decimal("1.00"), parts, CENT) == [
            Decimal("8.40"),
            Decimal("-8.40"),
            Decimal("1.00"),
        ]
        assert apportion(Decimal("-1.00"), [-p for p in parts], CENT) == [
            Decimal("-8.40"),
            Decimal("8.40"),
            Decimal("-1.00"),
        ]
        with pytest.raises(InvalidAllocation) as error:
            apportion(Decimal("5.00"), parts, CENT)
        assert error.value.ratios == parts

    def test_apportion_takes_a_total_below_shares_of_whole_quanta(self) -> None:
        # 20 % and a 10 % division rate included in one price, the net rounded UP: the tax
        # to split (221.75) is a cent below its exact parts, which are whole cents
        parts = [Decimal("142.56"), Decimal("79.20")]
        assert apportion(Decimal("221.75"), parts, CENT) == [Decimal("142.55"), Decimal("79.20")]
        assert apportion(Decimal("221.74"), parts, CENT) == [Decimal("142.55"), Decimal("79.19")]
        assert apportion(Decimal("-221.75"), [-p for p in parts], CENT) == [
            Decimal("-142.55"),
            Decimal("-79.20"),
        ]
        with pytest.raises(InvalidAllocation) as error:
            apportion(Decimal("221.73"), parts, CENT)
        assert error.value.ratios == parts

    def test_zero_total_over_zero_ratios(self) -> None:
        assert allocate(Decimal("0"), [0, 0], CENT) == [Decimal(0), Decimal(0)]

    def test_whole_units(self) -> None:
        assert allocate(Decimal("100"), [1, 1, 1], Decimal(1)) == [
            Decimal(34),
            Decimal(33),
            Decimal(33),
        ]

    def test_bad_input(self) -> None:
        for ratios in ([1, -1], [0, 0], []):
            with pytest.raises(InvalidAllocation) as error:
                allocate(Decimal("1.00"), ratios, CENT)
            assert error.value.ratios == ratios
        with pytest.raises(InvalidAmount) as amount:
            allocate(Decimal("1.005"), [1], CENT)
        assert (amount.value.field, amount.value.value) == ("total", Decimal("1.005"))
        with pytest.raises(FloatNotAllowed):
            allocate(Decimal("1.00"), [0.5, 0.5], CENT)  # type: ignore[list-item]
        with pytest.raises(InvalidType):
            allocate(1, [1], CENT)  # type: ignore[arg-type]
        with pytest.raises(InvalidType) as wrong:
            allocate(Decimal("1.00"), None, CENT)  # type: ignore[arg-type]
        assert (wrong.value.field, wrong.value.value) == ("ratios", None)
        with pytest.raises(NumberOutOfRange) as large:
            allocate(Decimal("1E+1000000"), [1, 2], CENT)
        assert (large.value.field, large.value.limit) == ("total", Decimal(10) ** 15)
        with pytest.raises(InvalidAllocation) as ratio:
            allocate(Decimal("1.00"), [Decimal("1E+99999"), 1], CENT)
        assert ratio.value.ratios == [Decimal("1E+99999")]


class TestExchangeRate:
    def test_converts_explicitly_and_records_its_source(self) -> None:
        rate = ExchangeRate(
            base="EUR", quote="JPY", rate="162.35", source="ECB", date=dt.date(2026, 11, 20)
        )
        assert rate.convert(Money("10.01", "EUR")) == Money("1625", "JPY")
        assert rate.source == "ECB"

    def test_a_rate_needs_two_currencies(self) -> None:
        with pytest.raises(CurrencyMismatch):
            ExchangeRate(base="EUR", quote="EUR", rate="2", source="x", date=dt.date(2026, 11, 20))

    def test_refuses_the_wrong_currency_and_bad_rates(self) -> None:
        rate = ExchangeRate(
            base="EUR", quote="USD", rate="1.08", source="ECB", date=dt.date(2026, 11, 20)
        )
        with pytest.raises(CurrencyMismatch):
            rate.convert(Money("1", "USD"))
        with pytest.raises(InvalidNumber):
            ExchangeRate(
                base="EUR", quote="USD", rate="0", source="ECB", date=dt.date(2026, 11, 20)
            )
        with pytest.raises(InvalidType):
            ExchangeRate(
                base="EUR",
                quote="USD",
                rate="1",
                source="ECB",
                date=dt.datetime(2026, 11, 20, tzinfo=dt.UTC),
            )


OUTSIDE_KINDS = (errors.ImmutableCurrency, errors.EventDeliveryFailed)


def test_every_error_is_an_ordercore_error_and_a_builtin() -> None:
    for name in errors.__all__:
        error = getattr(errors, name)
        assert issubclass(error, OrdercoreError)
        if error not in (OrdercoreError, errors.InvalidInput):
            builtins = ValueError | TypeError | LookupError | AttributeError | RuntimeError
            assert issubclass(error, builtins), name


KINDS = (
    errors.InvalidInput,
    errors.NotFound,
    errors.WrongState,
    errors.LimitExceeded,
    errors.Conflict,
)


def test_every_named_error_is_of_one_of_the_five_kinds() -> None:
    for name in errors.__all__:
        error = getattr(errors, name)
        if error is not OrdercoreError and error not in KINDS:
            # a currency that refuses a change of attribute is the one AttributeError
            assert issubclass(error, KINDS) or error in OUTSIDE_KINDS, name


def test_a_wrong_state_says_which_step_comes_first() -> None:
    error = errors.WrongState(
        document="quote Q-1", state="a draft", operation="accept", first="send it"
    )
    assert (error.document, error.state, error.operation, error.first) == (
        "quote Q-1",
        "a draft",
        "accept",
        "send it",
    )
    assert isinstance(error, ValueError)


def test_a_currency_cannot_be_changed_through_an_issued_document() -> None:
    at = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)
    request = Request(key="r", at=at, business_date=at.date())
    content = Document(
        currency="EUR",
        items=[Line(description="Desk", quantity="1", unit_price=Money("100.00", "EUR"))],
    )
    draft = DraftInvoice.create(id="inv-1", customer="acme", content=content, request=request)
    invoice = draft.document.issue(
        number="INV-1", issue_date=at.date(), due_date=at.date(), request=request
    ).document
    currency = invoice.priced.currency
    for attribute in ("code", "sub_unit", "numeric", "anything"):
        with pytest.raises(ImmutableCurrency) as refused:
            setattr(currency, attribute, "USD")
        assert (refused.value.currency, refused.value.attribute) == ("EUR", attribute)
        assert isinstance(refused.value, AttributeError)
    with pytest.raises(ImmutableCurrency):
        del currency.code
    assert invoice.priced.currency.code == "EUR"
    assert Money("1", "EUR").currency is currency
    # still py-moneyed's currency: equal to its own, and amounts compute and format
    assert currency == moneyed.get_currency("EUR")
    assert moneyed.get_currency("EUR") == currency
    assert Money("1", "EUR") == moneyed.Money("1", "EUR")
    assert Money("1.50", "EUR") + Money("1", "EUR") == Money("2.50", "EUR")
    assert Money("1.50", "EUR").format("en_US") == "€1.50"
    assert pickle.loads(pickle.dumps(currency)) is currency
    assert copy.deepcopy(invoice).priced.currency is currency
