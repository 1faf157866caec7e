"""Numbering series: gapless, strictly increasing document numbers.

A :class:`NumberingSeries` is a value: taking the next number returns the number and the
series advanced by one, and leaves the old series as it was. Numbers are gapless and
strictly increasing within a series as long as each advanced series is stored before the
next number is taken: that is the repository's part (it saves the series with the issued
document in one unit of work, and refuses a stale series).

>>> series = NumberingSeries(prefix="INV-2026-", width=5)
>>> number, series = series.next()
>>> number, series
('INV-2026-00001', NumberingSeries(prefix='INV-2026-', width=5, last=1))
>>> series.next()[0]
'INV-2026-00002'
"""

from __future__ import annotations

import attrs

from ordercore.errors import InvalidNumber, InvalidType

__all__ = ["NumberingSeries"]


def _prefix(value: object) -> str:
    if not isinstance(value, str):
        raise InvalidType(value, expected="a string prefix such as 'INV-2026-'", field="prefix")
    return value


def _bounded(value: object, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidType(value, expected="an int", field=field)
    if not low <= value <= high:
        raise InvalidNumber(value, reason=f"must be between {low} and {high}", field=field)
    return value


def _width(value: object) -> int:
    return _bounded(value, "width", 1, 18)


def _last(value: object) -> int:
    return _bounded(value, "last", 0, 10**18 - 1)


@attrs.frozen(kw_only=True)
class NumberingSeries:
    """A series of numbers ``prefix`` + the counter, zero-padded to ``width`` digits.

    ``last`` is the last number taken (0: none yet). A series is a value (frozen):
    :meth:`next` returns a new one and changes nothing, so two callers that take the next
    number of the same series (two threads, two processes) get the same number. It holds
    no lock: until ordercore's storage layer does it, the host's store serializes issuing,
    saving the advanced series with the issued document in one transaction that refuses
    a series changed meanwhile.
    """

    prefix: str = attrs.field(converter=_prefix)
    width: int = attrs.field(default=6, converter=_width)
    last: int = attrs.field(default=0, converter=_last)

    def next(self) -> tuple[str, NumberingSeries]:
        """Return the next number and the series that has taken it."""
        counter = self.last + 1
        if counter >= 10**self.width:
            raise InvalidNumber(
                counter,
                reason=f"series {self.prefix!r} has used all {self.width}-digit numbers; "
                "start a new series (a new prefix, or a wider one)",
                field="last",
            )
        return self.format(counter), attrs.evolve(self, last=counter)

    def format(self, counter: int) -> str:
        """The document number for ``counter`` (from 1 to the largest the width holds)."""
        if isinstance(counter, bool) or not isinstance(counter, int):
            raise InvalidType(counter, expected="an int counter", field="counter")
        if not 1 <= counter < 10**self.width:
            raise InvalidNumber(
                counter,
                reason=f"a {self.width}-digit series numbers 1 to {10**self.width - 1}",
                field="counter",
            )
        return f"{self.prefix}{counter:0{self.width}d}"
