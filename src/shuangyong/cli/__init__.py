"""The ``shuangyong`` command: :mod:`.main` builds the parser and dispatches; each other module adds the
subcommands of one application (roster, packs, assessment, …) through ``add_commands``."""

from .main import SAMPLE_ROSTER, build_parser, main

__all__ = ["main", "build_parser", "SAMPLE_ROSTER"]
