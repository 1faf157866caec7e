"""Tools for hosts' own tests: hypothesis strategies, and the storage contract suite.

Everything here needs the ``testing`` extra (``pip install "py-ordercore[testing]"``), which
brings in hypothesis and pytest; the rest of ordercore never imports this package.

* :mod:`ordercore.testing.strategies`: currencies, quantities, prices, discounts, taxes,
  lines, groups, whole documents with chosen policies, amounts to split, and payment
  terms with the invoice dates to schedule them from.
* :mod:`ordercore.testing.contract`: :class:`~ordercore.testing.contract.StorageContract`,
  the pytest tests that prove a host's implementation of the storage ports keeps their
  promises (units of work, optimistic saves, gapless numbers, idempotency, the outbox).
"""
