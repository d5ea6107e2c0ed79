"""Test configuration: Hypothesis profiles.

`ci` (the default, selected by `./run test`): derandomized, no deadline.
`thorough`: many more examples, for local runs:
`HYPOTHESIS_PROFILE=thorough ./run test`.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    max_examples=100,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("thorough", deadline=None, max_examples=2000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
