"""Shares over time: ``share_of``, the one rule for an amount taken in parts.

An order line invoiced a few units at a time, cancelled, or credited in parts takes its
amount by cumulative rounding: after parts covering ``q`` of ``Q`` units, the parts have
taken ``round(total * q / Q)``, each the difference from what was taken before it.
"""

import datetime as dt
import decimal
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordercore import (
    AdjustmentMode,
    Charge,
    Document,
    DraftInvoice,
    FloatNotAllowed,
    InvalidAmount,
    InvalidNumber,
    InvalidType,
    InvoicingPolicy,
    LimitExceeded,
    Line,
    Money,
    NumberOutOfRange,
    OrdercoreError,
    PartsExceedWhole,
    Policy,
    Request,
    RoundingMode,
    SalesOrder,
    Tax,
    credit_lines,
    round_to,
    share_of,
)

CENT = Decimal("0.01")
ZERO = Decimal(0)


def take_in_parts(
    total: Decimal,
    parts: list[int],
    quantum: Decimal = CENT,
    rounding: RoundingMode = RoundingMode.HALF_UP,
) -> list[Decimal]:
    """What each of ``parts`` (units, taken in order) takes of ``total``."""
    whole = sum(parts)
    done, taken, shares = 0, ZERO, []
    for part in parts:
        share = share_of(
            total,
            part,
            of=whole,
            done_before=done,
            taken_before=taken,
            quantum=quantum,
            rounding=rounding,
        )
        shares.append(share)
        done += part
        taken += share
    return shares


def rounded(exact: Fraction, quantum: Decimal, rounding: RoundingMode) -> Decimal:
    """An independent oracle: ``exact`` rounded with 120 digits, far past any tie here."""
    with decimal.localcontext() as context:
        context.prec = 120
        steps = Decimal(exact.numerator) / Decimal(exact.denominator) / quantum
        return steps.quantize(Decimal(1), rounding=rounding.value) * quantum


# -- examples -------------------------------------------------------------------------------


def test_three_units_of_0_006_taken_one_at_a_time() -> None:
    # 3 x EUR 0.006 is a line of EUR 0.02; a third of it is 0.0067, two thirds 0.0133.
    assert take_in_parts(Decimal("0.02"), [1, 1, 1]) == [
        Decimal("0.01"),
        Decimal("0.00"),
        Decimal("0.01"),
    ]


def request(key: str) -> Request:
    return Request(
        key=key,
        at=dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC),
        business_date=dt.date(2026, 11, 23),
    )


def three_bolts() -> Document:
    """3 x EUR 0.006: a line of EUR 0.02 (0.018, rounded)."""
    return Document(
        currency="EUR",
        items=[Line(description="Bolt", quantity="3", unit_price=Money("0.006", "EUR"))],
    )


def test_credit_lines_already_follows_the_rule() -> None:
    content = three_bolts()
    draft = DraftInvoice.create(id="i", customer="c", content=content, request=request("1"))
    invoice = draft.document.issue(
        number="INV-1", issue_date=dt.date(2026, 11, 23), request=request("2")
    ).document
    notes = []
    for index in range(3):
        notes.append(
            credit_lines(
                invoice,
                {0: 1},
                previous=notes,
                id=f"cn-{index}",
                number=f"CN-{index}",
                issue_date=dt.date(2026, 11, 24),
                reason="returned",
                request=request(f"cn-{index}"),
            ).document
        )
    credited = [note.credited[0].amount.amount for note in notes]
    assert credited == take_in_parts(Decimal("0.02"), [1, 1, 1])


def test_an_order_line_invoiced_in_parts_follows_the_rule_too() -> None:
    content = three_bolts()
    order = SalesOrder.confirm(
        id="so",
        customer="c",
        number="SO-1",
        content=content,
        invoicing_policy=InvoicingPolicy.ORDERED,
        request=request("o"),
    ).document
    invoiced = []
    for index in range(3):
        made = order.invoice_quantities({0: 1}, invoice_id=f"i{index}", request=request("i"))
        invoiced.append(made.order.invoices[-1].lines[0].amount.amount)
        order = made.order
    assert invoiced == take_in_parts(Decimal("0.02"), [1, 1, 1])
    cancelled = SalesOrder.confirm(
        id="so",
        customer="c",
        number="SO-2",
        content=content,
        invoicing_policy=InvoicingPolicy.ORDERED,
        request=request("o"),
    ).document
    first = cancelled.invoice_quantities({0: 1}, invoice_id="a", request=request("a")).order
    rest = first.cancel_remaining(request=request("c")).document
    assert (first.lines[0].taken.amount, rest.lines[0].taken.amount) == (
        take_in_parts(Decimal("0.02"), [1, 2])[0],
        Decimal("0.02"),
    )


def test_the_last_part_completes_the_whole() -> None:
    assert share_of(
        Decimal("10.00"), 1, of=3, done_before=2, taken_before=Decimal("6.66"), quantum=CENT
    ) == Decimal("3.34")


def test_a_negative_total_mirrors_its_positive_twin() -> None:
    assert take_in_parts(Decimal("-0.02"), [1, 1, 1]) == [
        Decimal("-0.01"),
        Decimal("0.00"),
        Decimal("-0.01"),
    ]


def test_the_rounding_mode_is_the_callers() -> None:
    # Half of 0.01 is a tie: half-up takes the cent, half-even leaves it for the last part.
    assert take_in_parts(Decimal("0.01"), [1, 1]) == [Decimal("0.01"), Decimal("0.00")]
    assert take_in_parts(Decimal("0.01"), [1, 1], rounding=RoundingMode.HALF_EVEN) == [
        Decimal("0.00"),
        Decimal("0.01"),
    ]


def test_other_quanta() -> None:
    assert take_in_parts(Decimal("100"), [1, 1, 1], quantum=Decimal("1")) == [
        Decimal("33"),
        Decimal("34"),
        Decimal("33"),
    ]
    assert take_in_parts(Decimal("0.10"), [1, 1, 1], quantum=Decimal("0.05")) == [
        Decimal("0.05"),
        Decimal("0.00"),
        Decimal("0.05"),
    ]


def test_fractional_units_and_other_measures_of_progress() -> None:
    assert share_of(Decimal("10.00"), Decimal("0.5"), of=Decimal("1.5"), quantum=CENT) == Decimal(
        "3.33"
    )
    assert share_of(Decimal("10.00"), Fraction(1, 3), of=1, quantum=CENT) == Decimal("3.33")


def test_a_part_of_nothing_takes_nothing() -> None:
    assert share_of(Decimal("10.00"), 0, of=3, quantum=CENT) == Decimal("0.00")


def test_shares_are_rounded_exactly_not_first_cut_to_50_digits() -> None:
    # Half a cent less 1e-60: a 50-digit context would see a tie and round it up.
    nearly_half = Fraction(1, 2) - Fraction(1, 10**60)
    assert share_of(Decimal("0.01"), nearly_half, of=1, quantum=CENT) == Decimal("0.00")
    assert share_of(Decimal("0.01"), Fraction(1, 2), of=1, quantum=CENT) == Decimal("0.01")
    assert share_of(Decimal("0.01"), Fraction(1, 2) + Fraction(1, 10**60), of=1, quantum=CENT) == (
        Decimal("0.01")
    )


def test_a_part_given_back_lets_the_next_one_take_the_share_again() -> None:
    total = Decimal("0.02")
    first = share_of(total, 1, of=3, quantum=CENT)  # 0.01
    second = share_of(total, 1, of=3, done_before=1, taken_before=first, quantum=CENT)  # 0.00
    # The first part is given back (its invoice voided): one unit taken, 0.00 held.
    again = share_of(total, 1, of=3, done_before=1, taken_before=second, quantum=CENT)
    assert (first, second, again) == (Decimal("0.01"), Decimal("0.00"), Decimal("0.01"))


def test_after_a_give_back_a_part_never_takes_the_opposite_sign() -> None:
    # 0.01 over 10 units: 4 units take 0.00, the 5th 0.01. Giving the 4 back leaves
    # 1 unit holding 0.01, more than the rounded share of 2 units (0.00).
    total = Decimal("0.01")
    four = share_of(total, 4, of=10, quantum=CENT)
    fifth = share_of(total, 1, of=10, done_before=4, taken_before=four, quantum=CENT)
    assert (four, fifth) == (Decimal("0.00"), Decimal("0.01"))
    next_one = share_of(total, 1, of=10, done_before=1, taken_before=fifth, quantum=CENT)
    assert next_one == Decimal("0.00")
    last = share_of(total, 8, of=10, done_before=2, taken_before=fifth, quantum=CENT)
    assert last == Decimal("0.00")  # the whole is taken: 0.01


def test_an_order_s_charge_is_never_taken_beyond_its_amount() -> None:
    def request() -> Request:
        return Request(
            key="r",
            at=dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC),
            business_date=dt.date(2026, 11, 30),
        )

    content = Document(
        currency="EUR",
        items=[
            Line(description="Sample", quantity="1", unit_price=Money("0.00", "EUR")),
            Line(
                description="Widget",
                quantity="5",
                unit_price=Money("4368.30", "EUR"),
                taxes=[Tax.percent("VAT", "20", included=True)],
            ),
        ],
        charges=[Charge.percentage("5", reason="Loyalty", taxes=[Tax.percent("VAT", "20")])],
        policy=Policy(rounding=RoundingMode.UP, adjustments=AdjustmentMode.STANDALONE),
    )
    order = SalesOrder.confirm(
        id="so-1",
        customer="acme",
        number="SO-1",
        content=content,
        invoicing_policy=InvoicingPolicy.ORDERED,
        request=request(),
    ).document
    charge = order.priced.adjustments[0].amount  # EUR 910.07
    order = order.invoice_quantities({1: Decimal("0.05")}, invoice_id="a", request=request()).order
    order = order.invoice_quantities({1: Decimal("4.95")}, invoice_id="b", request=request()).order
    assert order.adjustments[0] <= charge
    order = order.invoice_remaining(invoice_id="c", request=request()).order
    assert order.adjustments == (charge,)


# -- bad input ------------------------------------------------------------------------------


def test_a_part_beyond_the_units_left_is_refused_with_the_numbers() -> None:
    with pytest.raises(PartsExceedWhole) as caught:
        share_of(Decimal("1.00"), Decimal("2.5"), of=3, done_before=1, quantum=CENT)
    assert isinstance(caught.value, LimitExceeded)
    assert (caught.value.requested, caught.value.remaining, caught.value.whole) == (
        Decimal("2.5"),
        Decimal("2"),
        Decimal("3"),
    )
    assert {type(caught.value.requested), type(caught.value.remaining)} == {Decimal}


def test_a_part_beyond_the_whole_in_fractions_names_fractions() -> None:
    with pytest.raises(PartsExceedWhole) as caught:
        share_of(Decimal("1.00"), Fraction(2, 3), of=1, done_before=Fraction(1, 2), quantum=CENT)
    assert (caught.value.requested, caught.value.remaining, caught.value.whole) == (
        Fraction(2, 3),
        Fraction(1, 2),
        Fraction(1),
    )


@pytest.mark.parametrize(
    ("kwargs", "error", "field"),
    [
        ({"of": 0}, InvalidNumber, "of"),
        ({"of": Decimal("-1")}, InvalidNumber, "of"),
        ({"part": -1}, InvalidNumber, "part"),
        ({"done_before": -1}, InvalidNumber, "done_before"),
        ({"part": 0.5}, FloatNotAllowed, "part"),
        ({"of": 3.0}, FloatNotAllowed, "of"),
        ({"part": True}, InvalidType, "part"),
        ({"part": "1"}, InvalidType, "part"),
        ({"done_before": None}, InvalidType, "done_before"),
        ({"part": Decimal("NaN")}, InvalidNumber, "part"),
        ({"of": Decimal("Infinity")}, InvalidNumber, "of"),
        ({"part": Fraction(1, 2**500)}, NumberOutOfRange, "part"),
        ({"taken_before": Decimal("-0.01")}, InvalidAmount, "taken_before"),
        ({"taken_before": Decimal("1.01")}, InvalidAmount, "taken_before"),
        ({"taken_before": Decimal("0.005")}, InvalidAmount, "taken_before"),
        ({"taken_before": 0}, InvalidType, "taken_before"),
        ({"total": Decimal("1.005")}, InvalidAmount, "total"),
        ({"total": "1.00"}, InvalidType, "total"),
        ({"total": 1.0}, InvalidType, "total"),
        ({"quantum": Decimal(0)}, InvalidNumber, "quantum"),
        ({"quantum": "0.01"}, InvalidType, "quantum"),
        ({"rounding": "half_up"}, InvalidType, "rounding"),
    ],
)
def test_bad_input_is_refused_with_a_named_error(
    kwargs: dict[str, object], error: type[OrdercoreError], field: str
) -> None:
    arguments: dict[str, object] = {
        "total": Decimal("1.00"),
        "part": 1,
        "of": 3,
        "done_before": 0,
        "taken_before": Decimal("0.00"),
        "quantum": CENT,
        "rounding": RoundingMode.HALF_UP,
    } | kwargs
    with pytest.raises(error) as caught:
        share_of(**arguments)  # type: ignore[arg-type]
    assert getattr(caught.value, "field", None) == field


def test_what_earlier_parts_took_has_the_sign_of_the_total() -> None:
    with pytest.raises(InvalidAmount) as caught:
        share_of(Decimal("-1.00"), 1, of=3, taken_before=Decimal("0.01"), quantum=CENT)
    assert caught.value.value == Decimal("0.01")


# -- properties -----------------------------------------------------------------------------

quanta = st.sampled_from([Decimal("0.01"), Decimal("1"), Decimal("0.001"), Decimal("0.05")])
modes = st.sampled_from(list(RoundingMode))


@st.composite
def takings(draw: st.DrawFn) -> tuple[Decimal, list[int], Decimal, RoundingMode]:
    """A total, the units of its parts in the order taken, the quantum and rounding mode."""
    quantum = draw(quanta)
    total = draw(st.integers(-(10**9), 10**9)) * quantum
    parts = draw(st.lists(st.integers(1, 10**4), min_size=1, max_size=12))
    return total, parts, quantum, draw(modes)


@given(takings())
def test_parts_over_any_sequence_of_takings_sum_to_the_whole(
    case: tuple[Decimal, list[int], Decimal, RoundingMode],
) -> None:
    total, parts, quantum, rounding = case
    assert sum(take_in_parts(total, parts, quantum, rounding), ZERO) == total


@given(takings())
def test_what_is_taken_so_far_is_the_rounded_cumulative_share(
    case: tuple[Decimal, list[int], Decimal, RoundingMode],
) -> None:
    total, parts, quantum, rounding = case
    whole, done, taken = sum(parts), 0, ZERO
    for part, share in zip(parts, take_in_parts(total, parts, quantum, rounding), strict=True):
        done += part
        taken += share
        assert taken == rounded(Fraction(total) * done / whole, quantum, rounding)
        # each part within one quantum of its exact share
        assert abs(Fraction(share) - Fraction(total) * part / whole) < Fraction(quantum)


@given(takings())
def test_parts_never_take_more_than_the_whole_and_what_is_taken_never_falls(
    case: tuple[Decimal, list[int], Decimal, RoundingMode],
) -> None:
    total, parts, quantum, rounding = case
    taken = ZERO
    for share in take_in_parts(total, parts, quantum, rounding):
        assert share == 0 or (share > 0) == (total > 0)  # never the opposite sign
        taken += share
        assert abs(taken) <= abs(total)


@given(takings())
def test_a_negative_total_is_taken_as_the_mirror_of_its_positive_twin(
    case: tuple[Decimal, list[int], Decimal, RoundingMode],
) -> None:
    total, parts, quantum, rounding = case
    if not rounding.symmetric:
        rounding = RoundingMode.HALF_UP
    mirrored = take_in_parts(-total, parts, quantum, rounding)
    assert mirrored == [-share for share in take_in_parts(total, parts, quantum, rounding)]


@given(
    st.integers(-(10**6), 10**6),
    st.decimals(min_value=0, max_value=1, places=4),
    quanta,
    modes,
)
def test_a_share_is_rounded_as_round_to_rounds_it(
    units: int, part: Decimal, quantum: Decimal, rounding: RoundingMode
) -> None:
    total = units * quantum
    exact = total * part
    assert share_of(total, part, of=1, quantum=quantum, rounding=rounding) == round_to(
        exact, quantum, rounding
    )


@st.composite
def histories(draw: st.DrawFn) -> tuple[Decimal, int, list[tuple[str, int]], RoundingMode]:
    """A total, its units, and steps: take some units, or give back one part held."""
    total = draw(st.integers(-(10**6), 10**6)) * CENT
    whole = draw(st.integers(1, 60))
    steps = draw(
        st.lists(
            st.tuples(st.sampled_from(["take", "give back"]), st.integers(0, 10**6)),
            max_size=30,
        )
    )
    return total, whole, steps, draw(modes)


@given(histories())
def test_with_parts_given_back_the_parts_held_stay_within_the_whole_and_complete_it(
    case: tuple[Decimal, int, list[tuple[str, int]], RoundingMode],
) -> None:
    total, whole, steps, rounding = case
    held: list[tuple[int, Decimal]] = []

    def take(units: int) -> None:
        done = sum(part for part, _ in held)
        taken = sum((share for _, share in held), ZERO)
        share = share_of(
            total,
            units,
            of=whole,
            done_before=done,
            taken_before=taken,
            quantum=CENT,
            rounding=rounding,
        )
        assert share == 0 or (share > 0) == (total > 0)
        assert abs(taken + share) <= abs(total)
        held.append((units, share))

    for step, number in steps:
        left = whole - sum(part for part, _ in held)
        if step == "take" and left:
            take(1 + number % left)
        elif step == "give back" and held:
            held.pop(number % len(held))  # gives back exactly what it took
    left = whole - sum(part for part, _ in held)
    if left:
        take(left)
    assert sum((share for _, share in held), ZERO) == total


@given(
    st.one_of(
        st.floats(allow_nan=True),
        st.text(max_size=5),
        st.none(),
        st.booleans(),
        st.decimals(allow_nan=True, allow_infinity=True),
        st.fractions(),
        st.integers(),
    ),
    st.sampled_from(["part", "of", "done_before", "taken_before", "total"]),
)
def test_only_ordercore_errors_escape(value: object, field: str) -> None:
    arguments: dict[str, object] = {
        "total": Decimal("1.00"),
        "part": 1,
        "of": 3,
        "done_before": 0,
        "taken_before": Decimal("0.00"),
        "quantum": CENT,
    } | {field: value}
    try:
        share = share_of(**arguments)  # type: ignore[arg-type]
    except OrdercoreError:
        return
    assert isinstance(share, Decimal)


@given(
    price=st.decimals(min_value=0, max_value=1000, places=3, allow_nan=False),
    parts=st.lists(st.integers(1, 5), min_size=1, max_size=5),
    mode=st.sampled_from(list(RoundingMode)),
)
def test_an_order_line_invoiced_in_any_parts_takes_what_share_of_gives(
    price: Decimal, parts: list[int], mode: RoundingMode
) -> None:
    request = Request(
        key="r",
        at=dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC),
        business_date=dt.date(2026, 11, 23),
    )
    content = Document(
        currency="EUR",
        items=[Line(description="Bolt", quantity=sum(parts), unit_price=Money(price, "EUR"))],
        policy=Policy(rounding=mode),
    )
    order = SalesOrder.confirm(
        id="so",
        customer="c",
        number="SO-1",
        content=content,
        invoicing_policy=InvoicingPolicy.ORDERED,
        request=request,
    ).document
    taken = []
    for step, units in enumerate(parts):
        order = order.invoice_quantities({0: units}, invoice_id=f"i{step}", request=request).order
        taken.append(order.invoices[-1].lines[0].amount.amount)
    assert taken == take_in_parts(order.lines[0].amount.amount, parts, rounding=mode)
