"""双拥 assessments: schemes (TOML), evidence, scorecards and item scorers.

- :mod:`.schemes` — loading schemes and evidence, :func:`assess`, :func:`compare`, :func:`roll_up`;
- :mod:`.scorecard` — the scorecard and its explanation;
- :mod:`.items` — the built-in item scorers.
"""

from .schemes import *  # noqa: F401,F403
from .schemes import __all__ as __all__  # noqa: F401
