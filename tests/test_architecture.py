"""The shape of the package: import direction, public API, no floats in the domain."""

import ast
import importlib
from pathlib import Path

import pytest

import ordercore
from ordercore import documents

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
