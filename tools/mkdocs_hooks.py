"""mkdocs hooks: the site's header names the distribution and its installed version."""

from __future__ import annotations

from typing import Any

import ordercore


def on_config(config: Any) -> Any:
    """Put ``py-ordercore <version>`` in the header, from the installed package's metadata."""
    config["site_name"] = f"py-ordercore {ordercore.__version__}"
    return config
