"""军转干部 placement: officers ranked by points and allocated to posts (:mod:`.points`)."""

from .points import *  # noqa: F401,F403
from .points import __all__ as __all__  # noqa: F401
