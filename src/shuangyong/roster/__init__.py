"""The roster road: a whole county's roster priced in one run.

- :mod:`.reading` — roster files (CSV, JSON Lines, XLSX) to rows, every line accounted for;
- :mod:`.workbooks` — XLSX workbooks as offices keep them (sheets, title rows, 合计 rows, bounded memory);
- :mod:`.columns` — the parse: rows to fact arrays;
- :mod:`.pricing` — the columnar road: each rule priced once per distinct combination of what it reads;
- :mod:`.run` — :func:`run_roster`, :class:`RosterRun`, what-if, summaries;
- :mod:`.fastpath` — which rows each rule priced on the fast road, and why not (``packs --check``);
- :mod:`.staleness` — results resting on figures carried past their expected revision;
- :mod:`.csvout` — results written as bytes, fast.

``shuangyong.roster`` keeps the reading names importable from here (``read_roster``, ``Roster``).
"""

from .reading import *  # noqa: F401,F403
from .reading import __all__ as __all__  # noqa: F401
