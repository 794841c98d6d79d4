"""Sphinx configuration for the spatialinno documentation.

Build (from the repository root): ``sphinx-build -W --keep-going -b html docs docs/_build/html``;
the ``>>>`` examples of the pages and docstrings are run by ``pytest tests/test_docs.py``. Nothing is
fetched from the network: no intersphinx, MathJax is served from the ``sphinx-mathjax-offline`` copy, the
notebooks are rendered from their stored outputs (they are executed by ``tests/test_notebooks.py``).
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import io
import os
import shutil
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))  # document the checkout, not whatever copy is installed

import spatialinno  # noqa: E402
from spatialinno import errors  # noqa: E402
from spatialinno.cli.main import build_parser  # noqa: E402

project = "spatialinno"
author = "spatialinno developers"
copyright = "spatialinno developers, MIT licence"
release = spatialinno.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "myst_nb",
    "sphinx-mathjax-offline",
    "matplotlib.sphinxext.plot_directive",
]

source_suffix = {".rst": "restructuredtext", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "**.ipynb_checkpoints", "Thumbs.db", ".DS_Store"]
templates_path = ["_templates"]

# --- API reference -----------------------------------------------------------------------------------
autosummary_generate = True
autosummary_imported_members = True
autodoc_typehints = "none"  # numpydoc's Parameters sections carry the types; hints would repeat them
autodoc_member_order = "bysource"
autodoc_default_options = {"exclude-members": "__init__, __new__"}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_validation_checks: set[str] = set()

# --- notebooks: stored outputs only ----------------------------------------------------------------------
nb_execution_mode = "off"
nb_merge_streams = True
myst_enable_extensions = ["dollarmath"]

# --- doctests ----------------------------------------------------------------------------------------------
# The ``>>>`` examples of these pages and of the docstrings are run by tests/test_docs.py (part of ``pytest``).

# --- figures drawn at build time (a few maps, about 5 s) --------------------------------------------------
plot_include_source = True
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 110)]
plot_rcparams = {"figure.figsize": (7.0, 5.0)}
plot_pre_code = "import matplotlib.pyplot as plt\nimport spatialinno as si"

# --- HTML ----------------------------------------------------------------------------------------------------
html_theme = "furo"
html_title = f"spatialinno {release}"
html_static_path = ["_static"]
html_css_files = ["custom.css"]
html_theme_options = {"navigation_with_keys": True}
html_show_sourcelink = False


# --- generated pages: the notebooks and one reference page per module ------------------------------------
def _copy_notebooks() -> None:
    """Copy ``notebooks/*.ipynb`` into ``docs/notebooks/`` (rewritten only when changed)."""
    target = DOCS / "notebooks"
    target.mkdir(exist_ok=True)
    sources = sorted((ROOT / "notebooks").glob("*.ipynb"))
    for src in sources:
        dst = target / src.name
        if not dst.exists() or dst.read_bytes() != src.read_bytes():
            shutil.copyfile(src, dst)
    for stale in target.glob("*.ipynb"):
        if not (ROOT / "notebooks" / stale.name).exists():
            stale.unlink()


# (page file, title, module, names or None for the module's __all__, intro)
REFERENCE = [
    ("top_level", "Top-level functions (``si.*``)", "spatialinno", None,
     "Everything in ``spatialinno.__all__``: ``import spatialinno as si`` then ``si.sdm(...)``."),
    ("weights", "Spatial weights (``si.weights``)", "spatialinno.weights", None,
     "Builders return an immutable, id-indexed :class:`~spatialinno.weights.Weights`."),
    ("models", "ML models and their results (``si.models``)", "spatialinno.models", None,
     "The estimators are also top-level names (``si.sar`` ...); ``SpatialResults`` is what they return."),
    ("tests", "Specification tests (``spatialinno.models.hypotheses``)", "spatialinno.models.hypotheses",
     ["lr_test", "wald_test", "hausman"],
     "Also available as result methods: ``res.lr_test(other)``, ``res.wald_test(restriction)``."),
    ("diagnostics", "Diagnostics (``spatialinno.diagnostics``)", "spatialinno.diagnostics", None,
     "The functions are top-level names (``si.moran`` ...); this page lists the result classes."),
    ("simulation", "Monte Carlo studies (``spatialinno.simulation``)", "spatialinno.simulation",
     ["simulate_study", "true_effects"], ""),
    ("parallel", "Serial, local-process and Dask execution (``spatialinno.parallel``)", "spatialinno.parallel",
     ["run_tasks", "spawn_seeds"], ""),
    ("iv", "Endogeneity: GS2SLS and GS3SLS (``spatialinno.iv``)", "spatialinno.iv", None, ""),
    ("gmm", "Dynamic panel GMM (``spatialinno.gmm``)", "spatialinno.gmm", None, ""),
    ("selection", "Model choice (``spatialinno.selection``)", "spatialinno.selection", None, ""),
    ("decay", "Distance decay (``spatialinno.decay``)", "spatialinno.decay", ["distance_decay", "DecayResult"], ""),
    ("tables", "Tables (``spatialinno.tables``)", "spatialinno.tables", None, ""),
    ("summary", "Summaries (``spatialinno.summary``)", "spatialinno.summary", ["Summary"], ""),
    ("plot", "Plotting (``si.plot``)", "spatialinno.plot", None,
     "All functions return matplotlib objects and never call ``plt.show()``."),
    ("datasets", "Bundled data (``si.datasets``)", "spatialinno.datasets", None, ""),
    ("io", "Reading data files (``si.io``)", "spatialinno.io", None, ""),
    ("agglomeration", "Agglomeration indices (``si.agglomeration``)", "spatialinno.agglomeration", None, ""),
    ("errors", "Errors and warnings (``spatialinno.errors``)", "spatialinno.errors", None,
     "Every error raised on bad input is a subclass of :class:`~spatialinno.errors.SpatialInnoError` "
     "(itself a ``ValueError``)."),
]


# module docstrings written as plain text rather than reStructuredText (multi-line definition-list terms):
# their functions' docstrings carry the same formulas, so the page shows those only
PLAIN_TEXT_MODULE_DOCSTRINGS = {"spatialinno.agglomeration"}


def _public_names(module, names: list[str] | None) -> list[str]:
    """The documented names of a module: its ``__all__`` (or the given list) without modules and constants."""
    if names is None:
        names = list(getattr(module, "__all__", []))
        if module is errors:
            names = [n for n, obj in vars(errors).items() if inspect.isclass(obj)
                     and issubclass(obj, (errors.SpatialInnoError, errors.SpatialInnoWarning))]
    keep = []
    for name in names:
        obj = getattr(module, name)
        if inspect.ismodule(obj) or name.startswith("_"):
            continue
        if not (inspect.isclass(obj) or callable(obj)):
            continue  # constants (__version__, CSV_ENCODINGS, ...) are described in the module text
        keep.append(name)
    return keep


def _write_reference() -> None:
    """Write ``docs/reference/<page>.rst``, each public object documented once.

    Top-level functions (``si.sdm``) are documented under their top-level name, classes on the page of
    their subpackage (``spatialinno.weights.Weights``); the other pages link to them.
    """
    out = DOCS / "reference"
    out.mkdir(exist_ok=True)
    seen: dict[int, str] = {}
    top = REFERENCE[0]
    for name in _public_names(spatialinno, top[3]):
        obj = getattr(spatialinno, name)
        if not inspect.isclass(obj):
            seen[id(obj)] = f"spatialinno.{name}"
    pages: dict[str, tuple[list[str], list[str]]] = {}
    for page, _title, modname, names, _intro in REFERENCE[1:] + [top]:
        module = importlib.import_module(modname)
        own, elsewhere = [], []
        for name in _public_names(module, names):
            obj = getattr(module, name)
            full = f"{modname}.{name}"
            if id(obj) in seen and seen[id(obj)] != full:
                role = "class" if inspect.isclass(obj) else "func"
                elsewhere.append(f":{role}:`{name} <{seen[id(obj)]}>`")
                continue
            seen[id(obj)] = full
            own.append(name)
        pages[page] = (own, elsewhere)
    written = set()
    for page, title, modname, _names, intro in REFERENCE:
        own, elsewhere = pages[page]
        lines = [title, "=" * len(title), ""]
        if modname not in PLAIN_TEXT_MODULE_DOCSTRINGS:
            lines += [f".. automodule:: {modname}", "   :no-members:", ""]
        lines += [f".. currentmodule:: {modname}", ""]
        if intro:
            lines += [intro, ""]
        if own:
            lines += [".. autosummary::", "   :toctree: generated", "   :nosignatures:", ""]
            lines += [f"   {name}" for name in own] + [""]
        if elsewhere:
            lines += ["Also in this namespace, documented elsewhere: " + ", ".join(elsewhere) + ".", ""]
        text = "\n".join(lines)
        path = out / f"{page}.rst"
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
        written.add(path.name)
    for stale in out.glob("*.rst"):
        if stale.name not in written:
            stale.unlink()


def _write_cli_help() -> None:
    """Write ``docs/reference/cli_<command>.txt``: the ``--help`` text of the command line, for the guide."""
    os.environ["COLUMNS"] = "100"  # argparse wraps to the terminal width; fix it
    out = DOCS / "reference"
    for name, argv in [("main", ["--help"]), ("demo", ["demo", "--help"]), ("analyze", ["analyze", "--help"])]:
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer), contextlib.suppress(SystemExit):
            build_parser().parse_args(argv)
        path = out / f"cli_{name}.txt"
        text = buffer.getvalue()
        if not path.exists() or path.read_text() != text:
            path.write_text(text)


_copy_notebooks()
_write_reference()
_write_cli_help()
