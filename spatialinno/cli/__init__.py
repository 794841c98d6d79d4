"""The ``spatialinno`` command line (``spatialinno demo``, ``spatialinno analyze``).

``main(argv)`` parses the arguments and runs the analysis; :mod:`spatialinno.cli.report` runs the
steps and writes the self-contained HTML report.
"""

from .main import main

__all__ = ["main"]
