"""Tools for hosts' own tests: hypothesis strategies that make valid ordercore values.

Everything here needs the ``testing`` extra (``pip install "py-ordercore[testing]"``), which
brings in hypothesis; the rest of ordercore never imports this package.

* :mod:`ordercore.testing.strategies`: currencies, quantities, prices, discounts, taxes,
  lines, groups, whole documents with chosen policies, amounts to split, and payment
  terms with the invoice dates to schedule them from.
"""
