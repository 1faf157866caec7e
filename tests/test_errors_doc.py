"""docs/errors.md names every error: a new error cannot be left out of its table."""

import re
from pathlib import Path

from ordercore import errors

ERRORS_PAGE = Path(__file__).parent.parent / "docs" / "errors.md"


def error_names() -> list[str]:
    return [
        name
        for name in errors.__all__
        if isinstance(getattr(errors, name), type)
        and issubclass(getattr(errors, name), errors.OrdercoreError)
    ]


def test_every_exported_error_has_a_row_in_the_errors_page() -> None:
    rows = set(re.findall(r"^\| `(\w+)` \|", ERRORS_PAGE.read_text(encoding="utf-8"), re.M))
    missing = sorted(set(error_names()) - rows)
    assert not missing, f"docs/errors.md has no row for: {', '.join(missing)}"


def test_the_errors_page_names_no_error_that_does_not_exist() -> None:
    rows = set(re.findall(r"^\| `(\w+)` \|", ERRORS_PAGE.read_text(encoding="utf-8"), re.M))
    unknown = sorted(rows - set(error_names()))
    assert not unknown, f"docs/errors.md has rows for errors ordercore lacks: {', '.join(unknown)}"


def test_every_error_in_all_is_an_ordercore_error() -> None:
    # the check above only sees errors: a name in __all__ that is not one is a helper
    others = sorted(set(errors.__all__) - set(error_names()))
    assert others == [], others
