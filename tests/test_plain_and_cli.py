"""Plain data (JSON-safe dicts) and the command line."""

import json
import subprocess
import sys
from decimal import Decimal
from importlib import metadata
from pathlib import Path

import pytest
from babel.numbers import format_decimal

import ordercore
from ordercore import (
    AdjustmentMode,
    Allowance,
    CashRounding,
    Charge,
    Discount,
    Document,
    DuplicateKey,
    Group,
    InvalidData,
    Line,
    LineKind,
    Money,
    Policy,
    PriceSource,
    RoundingMode,
    Stacking,
    Tax,
    TaxCorrection,
    TaxRounding,
    price,
)
from ordercore.cli import main
from ordercore.interop.plain import (
    DOCUMENT_SCHEMA,
    document_from_data,
    document_to_data,
    loads,
    priced_from_data,
    priced_to_data,
)
from ordercore.pricing import TaxKind

EXAMPLE = Path(__file__).parent.parent / "examples" / "invoice.json"


def chf(amount: str) -> Money:
    return Money(amount, "CHF")


def rich_document() -> Document:
    vat = Tax.percent("MWST", "8.1")
    reduced = Tax.percent("MWST", "2.6", included=True)
    fee = Tax.per_unit("Recycling", chf("0.25"), compound=True)
    return Document(
        currency="CHF",
        items=[
            Group(
                name="Shop",
                lines=[
                    Line(
                        description="Kettle",
                        product="K-1",
                        price_source=PriceSource(
                            catalog_version="2024-06", price_book="Retail", price_break="2"
                        ),
                        quantity="2",
                        unit_price=chf("49.90"),
                        discounts=[
                            Discount.percent("10", reason="Promo"),
                            Discount.per_unit(chf("1.00")),
                        ],
                        taxes=[fee, vat],
                    ),
                    Line(
                        description="Tea",
                        quantity="0.750",
                        unit_price=chf("32.1234"),
                        price_discount=Discount.percent("5"),
                        taxes=[reduced],
                        base_quantity="1",
                    ),
                ],
                allowances=[Allowance.percentage("3", reason="Member")],
                charges=[Charge.fixed(chf("8.50"), reason="Delivery")],
            ),
            Line(
                description="Workshop",
                kind=LineKind.SERVICE,
                quantity="1",
                unit_price=chf("120"),
                taxes=[Tax.exempt("MWST", reason="Education")],
            ),
        ],
        allowances=[Allowance.fixed(chf("5.00"), reason="Voucher", taxes=[vat])],
        policy=Policy(
            rounding=RoundingMode.HALF_EVEN,
            stacking=Stacking.ADDITIVE,
            tax_rounding=TaxRounding.PER_LINE,
            adjustments=AdjustmentMode.STANDALONE,
            cash_rounding=CashRounding.for_currency("CHF"),
        ),
        prepaid=chf("10.00"),
        tax_corrections=[
            TaxCorrection(tax=vat, amount=chf("-0.01"), reason="Rounding difference"),
            TaxCorrection(tax=Tax.percent("Levy", "1"), amount=chf("0.02"), reason="Agreed"),
        ],
    )


KETTLE = {"description": "Kettle", "product": "K-1", "quantity": "1", "unit_price": "49.90"}
SOURCE = {"catalog_version": "2024-06", "price_book": "Retail", "price_break": "0"}


class TestPlainData:
    def test_a_document_round_trips(self) -> None:
        document = rich_document()
        data = document_to_data(document)
        assert json.loads(json.dumps(data)) == data  # JSON-safe
        assert data["schema"] == DOCUMENT_SCHEMA
        assert document_from_data(data) == document

    def test_a_priced_document_round_trips_and_is_checked(self) -> None:
        priced = price(rich_document())
        data = json.loads(json.dumps(priced_to_data(priced)))
        assert priced_from_data(data) == priced
        data["totals"]["amount_due"] = "0.00"
        with pytest.raises(InvalidData) as error:
            priced_from_data(data)
        assert error.value.path == "totals.amount_due"

    def test_a_breakdown_row_whose_tax_kind_is_not_text_is_invalid_data(self) -> None:
        data = json.loads(json.dumps(priced_to_data(price(rich_document()))))
        data["tax_breakdown"][0]["tax"]["kind"] = []  # unhashable: once a TypeError
        with pytest.raises(InvalidData):
            priced_from_data(data)

    def test_an_included_compound_tax_round_trips(self) -> None:
        excise = Tax.percent("Excise", "10", code="EXC", included=True, compound=True)
        line = Line(
            description="Gin",
            quantity="1",
            unit_price=Money("132.00", "EUR"),
            taxes=[excise, Tax.percent("VAT", "20", included=True)],
        )
        document = Document(currency="EUR", items=[line])
        assert document_from_data(document_to_data(document)) == document
        priced = price(document)
        assert priced_from_data(json.loads(json.dumps(priced_to_data(priced)))) == priced

    def test_any_tax_round_trips_with_all_its_flags(self) -> None:
        division = Tax(name="Levy", code="S", kind=TaxKind.DIVISION, rate=Decimal(5), compound=True)
        document = Document(
            currency="EUR",
            items=[
                Line(
                    description="x",
                    quantity="1",
                    unit_price=Money("10", "EUR"),
                    taxes=[division, Tax.percent("VAT", "20")],
                )
            ],
        )
        assert document_from_data(document_to_data(document)) == document
        priced = price(document)
        assert priced_from_data(priced_to_data(priced)) == priced

    def test_a_line_keeps_where_its_price_came_from(self) -> None:
        source = PriceSource(
            catalog_version="2024-06", price_book="Retail", price_break="0.5", kit="STARTER"
        )
        sourced = Line(
            description="Kettle",
            product="K-1",
            quantity="1",
            unit_price=chf("49.90"),
            price_source=source,
        )
        plain = Line(description="Tea", quantity="1", unit_price=chf("3.20"))
        document = Document(currency="CHF", items=[sourced, plain])
        data = json.loads(json.dumps(document_to_data(document)))
        assert data["items"][0]["price_source"] == {
            "catalog_version": "2024-06",
            "price_book": "Retail",
            "price_break": "0.5",
            "kit": "STARTER",
        }
        assert "price_source" not in data["items"][1]  # optional: absent when there is none
        assert document_from_data(data).lines[0].price_source == source
        assert document_from_data(data) == document
        priced = priced_from_data(json.loads(json.dumps(priced_to_data(price(document)))))
        assert priced.lines[0].line.price_source == source

    def test_amounts_are_strings(self) -> None:
        data = priced_to_data(price(rich_document()))
        assert isinstance(data["totals"]["tax_inclusive"], str)
        assert isinstance(data["lines"][0]["net"], str)

    @pytest.mark.parametrize(
        ("change", "path"),
        [
            ({"currency": "XYZ"}, "currency"),
            ({"currency": None}, "currency"),
            (
                {"items": [{"description": "x", "quantity": 1.5, "unit_price": "1"}]},
                "items[0].quantity",
            ),
            ({"items": [{"description": "x", "quantity": "1"}]}, "items[0].unit_price"),
            (
                {"items": [{"description": "x", "quantity": "1", "unit_price": "-1"}]},
                "items[0].unit_price",
            ),
            (
                {
                    "items": [
                        {"description": "x", "quantity": "1", "unit_price": "1", "taxes": ["nope"]}
                    ]
                },
                "items[0].taxes[0]",
            ),
            (
                {
                    "items": [
                        {"description": "x", "quantity": "1", "unit_price": "1", "colour": "red"}
                    ]
                },
                "items[0]",
            ),
            (
                {
                    "items": [
                        {
                            "group": "G",
                            "lines": [{"description": "x", "quantity": "a", "unit_price": "1"}],
                        }
                    ]
                },
                "items[0].lines[0].quantity",
            ),
            ({"policy": {"rounding": "sideways"}}, "policy.rounding"),
            ({"taxes": {"v": {"name": "VAT", "rate": 0.2}}}, "taxes.v.rate"),
            ({"items": "none"}, "items"),
            (
                {"taxes": {"v": {"name": "VAT", "rate": "20", "kind": {"a": 1}}}},
                "taxes.v.kind",
            ),
            ({"schema": "other/9"}, "schema"),
            (
                {"items": [{**KETTLE, "price_source": "2024-06"}]},
                "items[0].price_source",
            ),
            (
                {"items": [{**KETTLE, "price_source": {**SOURCE, "price_break": 0.5}}]},
                "items[0].price_source.price_break",
            ),
            (
                {"items": [{**KETTLE, "price_source": {**SOURCE, "price_book": None}}]},
                "items[0].price_source.price_book",
            ),
            (
                {"items": [{**KETTLE, "price_source": {**SOURCE, "version": "1"}}]},
                "items[0].price_source",
            ),
            (
                {"items": [{**KETTLE, "price_source": {**SOURCE, "kit": ""}}]},
                "items[0].price_source",
            ),
            (
                {
                    "items": [
                        {
                            "description": "x",
                            "quantity": "1",
                            "unit_price": "1",
                            "price_source": SOURCE,
                        }
                    ]
                },
                "items[0]",
            ),
        ],
    )
    def test_bad_input_names_the_field(self, change: dict[str, object], path: str) -> None:
        data = {"currency": "EUR", "items": []} | change
        with pytest.raises(InvalidData) as error:
            document_from_data(data)
        assert error.value.path == path

    def test_json_numbers_with_fractions_never_become_floats(self) -> None:
        data = loads(
            '{"currency": "EUR", "items": [{"description": "x", "quantity": 2, "unit_price": 1.10}]}'
        )
        with pytest.raises(InvalidData) as error:
            document_from_data(data)
        assert error.value.path == "items[0].unit_price"

    @pytest.mark.parametrize(
        ("text", "path", "key"),
        [
            ('{"currency": "EUR", "currency": "USD"}', "currency", "currency"),
            (
                '{"items": [{"quantity": "1"}, {"quantity": "1", "quantity": "2"}]}',
                "items[1].quantity",
                "quantity",
            ),
            (
                '{"taxes": {"v": {"rate": "1"}}, "items": [{"a b": 1, "a b": 2}]}',
                "items[0]['a b']",
                "a b",
            ),
            ('[{"x": {"y": 1, "y": 2}}, {"z": 1, "z": 2}]', "[0].x.y", "y"),
        ],
    )
    def test_a_key_named_twice_is_refused_with_its_path(
        self, text: str, path: str, key: str
    ) -> None:
        with pytest.raises(DuplicateKey) as error:
            loads(text)
        assert (error.value.path, error.value.key) == (path, key)
        assert isinstance(error.value, InvalidData)

    def test_integers_are_exact_and_accepted(self) -> None:
        data = {"currency": "EUR", "items": [{"description": "x", "quantity": 2, "unit_price": 3}]}
        assert price(document_from_data(data)).totals.lines_net == Money("6", "EUR")


class TestCommandLine:
    def test_prints_the_priced_example(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["price", str(EXAMPLE)]) == 0
        out = capsys.readouterr().out
        assert "Amount due (EUR)" in out
        assert out.splitlines()[-2].endswith("987.33")

    def test_prints_json(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["price", str(EXAMPLE), "--json"]) == 0
        data = json.loads(capsys.readouterr().out)
        assert data["totals"]["amount_due"] == "987.33"
        assert priced_from_data(data).totals.amount_due == Money("987.33", "EUR")

    def test_localized(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["price", str(EXAMPLE), "--locale", "de_DE"]) == 0
        # CLDR's separators, asked of babel: a new babel release may change them
        expected = format_decimal(Decimal("987.33"), format="#,##0.00", locale="de_DE")
        assert expected in capsys.readouterr().out

    @pytest.mark.parametrize(
        ("content", "message"),
        [
            (
                '{"currency": "EUR", "items": [{"description": "x", "quantity": 1.5, "unit_price": "1"}]}',
                "items[0].quantity",
            ),
            ('{"currency": "EUR"', "not valid JSON"),
            ('{"currency": "ZZZ", "items": []}', "unknown currency"),
        ],
    )
    def test_bad_input_is_one_line_and_status_2(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
    ) -> None:
        path = tmp_path / "bad.json"
        path.write_text(content, encoding="utf-8")
        assert main(["price", str(path)]) == 2
        err = capsys.readouterr().err
        assert message in err
        assert len(err.strip().splitlines()) == 1

    def test_a_file_that_is_not_utf8(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        path = tmp_path / "latin1.json"
        path.write_bytes(
            '{"currency": "EUR", "items": [{"description": "Café"}]}'.encode("latin-1")
        )
        assert main(["price", str(path)]) == 2
        assert "not UTF-8" in capsys.readouterr().err

    def test_json_nested_too_deeply(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        path = tmp_path / "deep.json"
        path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
        assert main(["price", str(path)]) == 2
        assert "nested too deeply" in capsys.readouterr().err

    def test_missing_file(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["price", str(tmp_path / "none.json")]) == 2
        assert "cannot read" in capsys.readouterr().err

    def test_unknown_locale(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["price", str(EXAMPLE), "--locale", "xx_YY"]) == 2
        assert capsys.readouterr().err.startswith("ordercore: error:")

    def test_python_dash_m_runs_it(self) -> None:
        done = subprocess.run(
            [sys.executable, "-m", "ordercore", "price", str(EXAMPLE)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0
        assert "987.33" in done.stdout

    def test_version_names_the_distribution(self, capsys: pytest.CaptureFixture[str]) -> None:
        with pytest.raises(SystemExit) as done:
            main(["--version"])
        assert done.value.code == 0
        assert capsys.readouterr().out.split() == ["py-ordercore", ordercore.__version__]
        assert ordercore.__version__ == metadata.version("py-ordercore")
