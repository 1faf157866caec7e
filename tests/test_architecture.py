"""The shape of the package: import direction, public API, no floats in the domain."""

import ast
import importlib
from pathlib import Path

import pytest

import ordercore
from ordercore import documents, errors
from ordercore.events import Event

SRC = Path(ordercore.__file__).parent

# Each layer may import only the layers listed for it (and itself); the edge (interop,
# the command line, testing helpers) imports the domain, never the reverse.
ALLOWED = {
    "errors": set(),
    "_convert": {"errors", "money", "_codes"},
    "money": {"errors", "_codes"},
    "_codes": {"errors"},
    "pricing": {"errors", "money", "_convert", "_codes"},
    "parties": {"errors", "money", "_convert", "_codes", "settlement"},
    "catalog": {"errors", "money", "pricing", "_convert", "_codes"},
    "interop": {"errors", "money", "pricing", "_codes"},
    "cli": {"errors", "interop", "pricing"},
    "testing": {"errors", "money", "pricing", "settlement"},
    "events": {"errors", "_convert"},
    "settlement": {"errors", "_convert", "money"},
    "documents": {"errors", "_convert", "money", "pricing", "events", "settlement"},
}
IO_MODULES = {
    "os",
    "sys",
    "pathlib",
    "io",
    "socket",
    "sqlite3",
    "subprocess",
    "json",
    "time",
    "random",
}


def modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if p.name != "__main__.py")


def layer(path: Path) -> str:
    part = path.relative_to(SRC).parts[0]
    return part.removesuffix(".py")


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_imports_point_inwards(path: Path) -> None:
    own = layer(path)
    if own == "__init__":
        return
    for name in imported(path):
        if name.startswith("ordercore."):
            target = name.split(".")[1]
            assert target == own or target in ALLOWED[own], f"{own} must not import {name}"


@pytest.mark.parametrize(
    "path",
    [
        p
        for p in modules()
        if layer(p)
        in {
            "money",
            "pricing",
            "errors",
            "events",
            "documents",
            "catalog",
            "parties",
            "_codes",
            "settlement",
        }
    ],
    ids=lambda p: str(p.relative_to(SRC)),
)
def test_the_domain_does_no_io(path: Path) -> None:
    assert not {name.split(".")[0] for name in imported(path)} & IO_MODULES


def test_the_public_api_is_sorted_and_complete() -> None:
    assert ordercore.__all__ == sorted(ordercore.__all__)
    for name in ordercore.__all__:
        assert hasattr(ordercore, name), name


# The rule for what is top-level (written in ordercore's docstring and docs/design.md):
# every public name of these packages, but for domain events and constants.
TOP_LEVEL_SOURCES = (
    "catalog",
    "documents",
    "errors",
    "events",
    "money",
    "parties",
    "pricing",
    "pricing.tax_rules",
    "settlement",
)


def _is_event(value: object) -> bool:
    return isinstance(value, type) and issubclass(value, Event) and value is not Event


@pytest.mark.parametrize("package", TOP_LEVEL_SOURCES)
def test_ordercore_exports_every_public_name_of_the_domain_but_events(package: str) -> None:
    module = importlib.import_module(f"ordercore.{package}")
    expected = {
        name
        for name in module.__all__
        if not _is_event(getattr(module, name)) and not name.isupper()
    }
    assert expected <= set(ordercore.__all__), sorted(expected - set(ordercore.__all__))
    for name in expected:
        assert getattr(ordercore, name) is getattr(module, name), name


def test_every_error_class_is_listed_in_errors_all() -> None:
    classes = {
        name
        for name, value in vars(errors).items()
        if isinstance(value, type)
        and issubclass(value, errors.OrdercoreError)
        and value.__module__ == errors.__name__
        and not name.startswith("_")
    }
    assert classes == set(errors.__all__)


def test_events_stay_in_their_packages() -> None:
    assert not [name for name in ordercore.__all__ if _is_event(getattr(ordercore, name))]


def test_the_documents_package_exports_every_public_name_of_its_modules() -> None:
    assert documents.__all__ == sorted(documents.__all__)
    for path in sorted((SRC / "documents").glob("[!_]*.py")):
        module = importlib.import_module(f"ordercore.documents.{path.stem}")
        assert set(module.__all__) <= set(documents.__all__), path.name


def test_no_float_in_the_domain() -> None:
    for path in modules():
        if layer(path) in {"money", "pricing", "catalog", "parties", "settlement"}:
            tree = ast.parse(path.read_text(encoding="utf-8"))
            floats = [
                node.lineno
                for node in ast.walk(tree)
                if isinstance(node, ast.Constant) and isinstance(node.value, float)
            ]
            assert not floats, f"{path.name} has float literals on lines {floats}"
