"""Fingerprint benchmark: the services' request fingerprint beside the format-1 reference.

The idempotency fingerprint of each request (``ordercore.services.fingerprint``) writes
its JSON text directly; ``tests/fingerprint_format1.py`` is the code it replaced (nested
lists and dictionaries, then ``json.dumps``), which gives the very same digests. In one
run, alternating the two so that the machine's load falls on both alike, it times:

* the fingerprint alone, of the two requests of ``bench_services.py`` (``create_invoice``
  with a one-line document, ``issue_invoice``);
* creating and issuing invoices through the services on the memory store, once with each
  fingerprint: the whole service layer, and the share the fingerprint takes of it.

It reports the quietest of the repeats of each, and the ratio reference / now. It exits
with status 1 if the two fingerprints of any request differ.

Run::

    python benchmarks/bench_fingerprint.py            # 2,000 invoices, 7 repeats
    python benchmarks/bench_fingerprint.py --quick    # 300 invoices, 3 repeats
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
import timeit
from collections.abc import Callable
from pathlib import Path

from bench_pricing import fmt_time, revision
from bench_services import DAY, content, plain_invoices, through_services

import ordercore
from ordercore import services
from ordercore.storage.memory import MemoryStore

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import fingerprint_format1

Fingerprint = Callable[..., str]
NOW: Fingerprint = services.fingerprint
REFERENCE: Fingerprint = fingerprint_format1.fingerprint


def requests() -> dict[str, tuple[str, dict[str, object]]]:
    """The two requests of the service benchmark, by name: operation and arguments."""
    document = content(plain_invoices(1)[0])
    return {
        "create_invoice": (
            "create_invoice",
            {"id": "inv-0", "customer": "acme", "content": document},
        ),
        "issue_invoice": (
            "issue_invoice",
            {
                "invoice": "inv-0",
                "series": "INV",
                "issue_date": None,
                "due_date": DAY,
                "payment_term": None,
            },
        ),
    }


def per_call(fingerprint: Fingerprint, operation: str, arguments: dict[str, object]) -> float:
    """Seconds per fingerprint of the request, over 2,000 calls."""
    return timeit.timeit(lambda: fingerprint(operation, **arguments), number=2_000) / 2_000


def service_loop(fingerprint: Fingerprint, count: int) -> float:
    """Seconds per service operation, creating and issuing ``count`` invoices."""
    services.fingerprint = fingerprint  # what Services._run calls
    try:
        invoices = plain_invoices(count)
        start = time.perf_counter()
        through_services(MemoryStore(), invoices)
        return (time.perf_counter() - start) / (2 * count)
    finally:
        services.fingerprint = NOW


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="300 invoices, 3 repeats")
    args = parser.parse_args()
    count, repeats = (300, 3) if args.quick else (2_000, 7)
    print(f"ordercore {ordercore.__version__} ({revision()}), Python {platform.python_version()}")
    for name, (operation, arguments) in requests().items():
        if NOW(operation, **arguments) != REFERENCE(operation, **arguments):
            print(f"  {name}: the fingerprint is not the one of format 1")
            return 1
    print(f"the fingerprint, quietest of {repeats} (format-1 reference / now):")
    for name, (operation, arguments) in requests().items():
        times: dict[str, list[float]] = {"reference": [], "now": []}
        for _ in range(repeats):
            times["reference"].append(per_call(REFERENCE, operation, arguments))
            times["now"].append(per_call(NOW, operation, arguments))
        before, after = min(times["reference"]), min(times["now"])
        print(f"  {name:<15} {fmt_time(before)} -> {fmt_time(after)}: {before / after:.1f}x")
    print(f"creating and issuing {count:,} invoices through the services (memory store):")
    loops: dict[str, list[float]] = {"reference": [], "now": []}
    for _ in range(repeats):
        loops["reference"].append(service_loop(REFERENCE, count))
        loops["now"].append(service_loop(NOW, count))
    before, after = min(loops["reference"]), min(loops["now"])
    print(
        f"  per operation   {fmt_time(before)} -> {fmt_time(after)}: {before / after:.2f}x, "
        f"{(before - after) / before:.0%} less time"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
