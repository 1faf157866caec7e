"""Shared test configuration: hypothesis profiles.

``quick`` (the default) keeps local runs fast; ``ci`` (chosen when the ``CI`` environment
variable is set, as .ci/run does) tries many more examples.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile("quick", max_examples=60, deadline=None)
settings.register_profile(
    "ci",
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "quick")
)
