"""ordercore's own decimal context.

All arithmetic inside ordercore runs under :data:`CONTEXT`, never under the thread's
global ``decimal`` context: a host application that sets ``getcontext().prec = 4`` or a
different rounding still gets exactly the same invoice. Public entry points that compute
wrap their body with :func:`exact`.
"""

from __future__ import annotations

import decimal
import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

__all__ = ["CONTEXT", "exact"]

#: 50 significant digits: a quantity of up to 15 integer and 6 fractional digits times a
#: price of the same size (42 digits) is exact; divisions (tax back-outs) are carried far
#: beyond any currency's precision before they are rounded.
CONTEXT = decimal.Context(
    prec=50,
    rounding=decimal.ROUND_HALF_EVEN,
    Emin=-999_999,
    Emax=999_999,
    capitals=1,
    clamp=0,
    flags=[],
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)

P = ParamSpec("P")
R = TypeVar("R")


def exact(function: Callable[P, R]) -> Callable[P, R]:
    """Run ``function`` under :data:`CONTEXT`, whatever the caller's decimal context is."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with decimal.localcontext(CONTEXT):
            return function(*args, **kwargs)

    return wrapper
