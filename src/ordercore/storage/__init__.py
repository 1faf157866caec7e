"""Storage: the ports a host implements, and the in-memory adapter.

:mod:`ordercore.storage.ports` states them as protocols; :mod:`ordercore.storage.memory`
implements them in memory.
"""
