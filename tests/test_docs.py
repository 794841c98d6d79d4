"""The documentation's examples run and print what the pages say.

Every ``>>>`` line of the user guide, the landing page and the conventions page (``docs/**/*.rst``) is run
with :mod:`doctest` (one namespace per page, as a reader would type them), and so is every example in the
package's docstrings. A changed result, a renamed argument or an example that raises fails the test and
names the page and line. The outputs on the pages are rounded so that they do not depend on the BLAS.
The site itself is built by ``sphinx-build -W`` in CI (``.ci/run``); this test needs no Sphinx.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from pathlib import Path

import matplotlib
import pytest

import spatialinno

DOCS = Path(__file__).resolve().parents[1] / "docs"
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
# the pages that must exist and carry examples; a page dropped from the guide fails here
GUIDE = ["index.rst", "conventions.rst"] + [f"guide/{name}.rst" for name in (
    "weights", "diagnostics", "models", "panels", "endogeneity", "effects", "decay", "selection", "output",
    "real_data")]
PAGES = sorted({str(p.relative_to(DOCS)) for p in DOCS.rglob("*.rst")
                if "_build" not in p.parts and "reference" not in p.parts} | set(GUIDE))


def _modules_with_examples() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(spatialinno.__path__, "spatialinno."):
        module = importlib.import_module(info.name)
        if any(t.examples for t in doctest.DocTestFinder().find(module)):
            names.append(info.name)
    return names


def _report(results: doctest.TestResults, where: str, output: str) -> None:
    assert results.attempted > 0, f"{where}: no examples found"
    assert results.failed == 0, f"{where}: {results.failed} of {results.attempted} examples failed\n{output}"


@pytest.mark.parametrize("page", PAGES)
def test_page_examples(page, capsys):
    matplotlib.use("Agg")
    path = DOCS / page
    assert path.exists(), f"docs/{page} is missing"
    if page not in GUIDE and not doctest.DocTestParser().get_examples(path.read_text(encoding="utf-8")):
        pytest.skip(f"docs/{page} has no examples")
    results = doctest.testfile(str(path), module_relative=False, optionflags=FLAGS, encoding="utf-8",
                               globs={}, report=True)
    _report(results, f"docs/{page}", capsys.readouterr().out)


@pytest.mark.parametrize("name", _modules_with_examples())
def test_docstring_examples(name, capsys):
    module = importlib.import_module(name)
    results = doctest.testmod(module, optionflags=FLAGS, report=True)
    _report(results, name, capsys.readouterr().out)
