"""The command line: ``python -m ordercore price FILE.json`` and ``python -m ordercore demo``.

``price FILE.json [--json] [--locale LOCALE]`` reads a document in ordercore's plain-data
form (see :mod:`ordercore.interop.plain`), prices it, and prints it as a table (or as JSON
with ``--json``). ``demo [--db FILE]`` runs the whole flow of :mod:`ordercore.demo` through
the services on an SQLite file (a new one in a temporary directory by default; it needs the
``sql`` extra). Bad input gets one line
on standard error naming the field, and exit status 2. That line is short whatever the
input: it quotes at most an excerpt of an offending value, escaped.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from ordercore import __version__
from ordercore.errors import MAX_MESSAGE_LENGTH, OrdercoreError, excerpt
from ordercore.interop.plain import document_from_data, loads, priced_to_data
from ordercore.pricing.engine import price

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ordercore", description="Price documents exactly, from plain JSON files."
    )
    parser.add_argument("--version", action="version", version=f"py-ordercore {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    price_command = commands.add_parser("price", help="price a document given as a JSON file")
    price_command.add_argument("file", help="the document, as JSON ('-' reads standard input)")
    price_command.add_argument(
        "--json", action="store_true", help="print the priced document as JSON"
    )
    price_command.add_argument(
        "--locale", help="format numbers for this locale, such as de_CH (default: none)"
    )
    demo_command = commands.add_parser(
        "demo", help="run the whole flow, quote to cash, on an SQLite file"
    )
    demo_command.add_argument(
        "--db",
        help="the SQLite file to store the documents in (default: a new one in a temporary "
        "directory); run it twice on one file to see idempotent requests change nothing",
    )
    return parser


def _fail(message: str) -> int:
    print(f"ordercore: error: {message}", file=sys.stderr)
    return 2


def _name(file: str) -> str:
    """The file's name as the user wrote it, or an escaped excerpt of a strange one."""
    return file if len(file) <= 200 and file.isprintable() else excerpt(file)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = _parser().parse_args(argv)
    if args.command == "demo":
        return _demo(args.db)
    return _price(args)


def _price(args: argparse.Namespace) -> int:
    """Price the document file ``args.file``; print it as text or JSON."""
    name = _name(args.file)
    try:
        text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8")
    except OSError as error:
        return _fail(f"cannot read {name}: {error.strerror}")
    except UnicodeDecodeError as error:
        return _fail(f"{name} is not UTF-8 text: {error.reason}")
    try:
        data = loads(text)
    except OrdercoreError as error:
        return _fail(f"{name}: {error}")
    except (ValueError, RecursionError) as error:
        reason = "nested too deeply" if isinstance(error, RecursionError) else str(error)
        return _fail(f"{name} is not valid JSON: {reason[:MAX_MESSAGE_LENGTH]}")
    try:
        priced = price(document_from_data(data))
        output = (
            json.dumps(priced_to_data(priced), indent=2)
            if args.json
            else priced.to_text(locale=args.locale)
        )
    except OrdercoreError as error:
        return _fail(str(error))
    print(output)
    return 0


def _demo(db: str | None) -> int:
    """Run :func:`ordercore.demo.run` on the SQLite file ``db`` (or a temporary one)."""
    try:
        from sqlalchemy.exc import SQLAlchemyError  # noqa: PLC0415 - only with the sql extra

        from ordercore.storage.sql import SqlStore  # noqa: PLC0415 - only with the sql extra
    except ImportError:
        return _fail('the demo stores its documents in SQLite: pip install "py-ordercore[sql]"')
    from ordercore.demo import run  # noqa: PLC0415 - the demo is needed only here

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ordercore-demo.sqlite" if db is None else Path(db)
        if not path.parent.is_dir():
            return _fail(f"cannot store the demo in {_name(str(path))}: no such folder")
        try:
            store = SqlStore.from_url(f"sqlite:///{path}")
        except OrdercoreError as error:
            return _fail(f"{_name(str(path))}: {error}")
        except SQLAlchemyError as error:
            reason = str(getattr(error, "orig", None) or error)[:MAX_MESSAGE_LENGTH]
            return _fail(f"cannot use {_name(str(path))} as an SQLite database: {reason}")
        try:
            print(f"ordercore {__version__}: the whole flow on {_name(str(path))}")
            run(store)
        except OrdercoreError as error:
            return _fail(str(error))
        finally:
            store.engine.dispose()
    return 0
