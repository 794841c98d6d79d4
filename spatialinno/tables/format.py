"""Number formats, significance stars and escaping shared by the table renderers."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

DASH = "-"

_TEX_ESCAPES = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
                "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
TEX_SYMBOL = {"rho": r"$\rho$", "lambda": r"$\lambda$"}


def significance_stars(p: float, levels: Sequence[float] = (0.10, 0.05, 0.01)) -> str:
    """Significance stars: one per level in ``levels`` that ``p`` is strictly below.

    Parameters
    ----------
    p : float
        A p-value (None or NaN gives no stars).
    levels : sequence of float
        Significance levels, conventionally (0.10, 0.05, 0.01).

    Returns
    -------
    str
        ``"***"``, ``"**"``, ``"*"`` or ``""``.
    """
    if p is None or not np.isfinite(p):
        return ""
    return "*" * sum(1 for a in levels if p < a)


def fmt(x: float | None, digits: int) -> str:
    """A number with ``digits`` decimals; empty for None/NaN; no negative zero.

    Parameters
    ----------
    x : float or None
        The number.
    digits : int
        Decimals.

    Returns
    -------
    str
        The formatted number.
    """
    if x is None or not np.isfinite(x):
        return ""
    s = f"{x:.{digits}f}"
    if s.startswith("-") and float(s) == 0.0:
        s = s[1:]
    return s


def fmt_count(x: float) -> str:
    """An integer count with thousands separators (``"-"`` when unknown).

    Parameters
    ----------
    x : float
        The count.

    Returns
    -------
    str
        E.g. ``"4,650"``.
    """
    return f"{int(round(x)):,}" if x is not None and np.isfinite(x) else DASH


def tex(s: object) -> str:
    """Escape LaTeX special characters of a text.

    Parameters
    ----------
    s : object
        Text (converted with ``str``).

    Returns
    -------
    str
        The escaped text.
    """
    return "".join(_TEX_ESCAPES.get(ch, ch) for ch in str(s))


def tex_cell(c: str) -> str:
    """Escape a cell; trailing stars become a superscript.

    Parameters
    ----------
    c : str
        The cell text.

    Returns
    -------
    str
        LaTeX of the cell.
    """
    stripped = c.rstrip("*")
    n = len(c) - len(stripped)
    return tex(stripped) + (f"$^{{{'*' * n}}}$" if n else "")


def md(s: object) -> str:
    """Escape a Markdown pipe-table cell.

    Parameters
    ----------
    s : object
        Text.

    Returns
    -------
    str
        The text with ``|`` escaped and newlines as spaces.
    """
    return str(s).replace("|", r"\|").replace("\n", " ")


def has_cjk(text: str) -> bool:
    """True if ``text`` holds CJK ideographs or full-width punctuation.

    Parameters
    ----------
    text : str
        Any text.

    Returns
    -------
    bool
        Whether a CJK-capable font/engine (xelatex + ctex) is needed to typeset it.
    """
    return any("\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" or "\u3400" <= ch <= "\u4dbf" for ch in text)
