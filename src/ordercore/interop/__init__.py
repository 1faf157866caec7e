"""Interoperation: plain data (JSON-safe dicts), text and HTML rendering, babel formatting."""
