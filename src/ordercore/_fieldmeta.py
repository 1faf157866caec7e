"""Metadata that ordercore's records put on their fields (private)."""

from __future__ import annotations

from types import MappingProxyType

#: The metadata of a field added to a record after format 1 of the request fingerprint
#: was fixed (:func:`ordercore.services.fingerprint`): the fingerprint writes such a field
#: only when its value is not its default, so that a request that does not use it keeps the
#: fingerprint it had, and a host's stored idempotency records still match it.
WHEN_SET = MappingProxyType({"ordercore.fingerprint": "when set"})
