"""SIMULATED prefecture-city panel, 2004-2019, as a yearbook compilation delivers it (read from package files).

**These data are simulated, not official statistics.** ``scripts/make_prefecture_panel.py`` (seeded) draws
them so that the whole workflow on real city panels (code harmonisation, missing rows, unbalanced two-way
fixed-effects spatial models, time-varying weights, effects, distance decay) can be run and checked against
a known truth (``notebooks/03_city_panel.ipynb``).

``load_prefecture_panel(return_truth=False)``
    Long table ``code, year, pop, innov, agglom, open, educ, rd, pgdp`` (5,374 rows), see
    :data:`PREFECTURE_PANEL_VARIABLES`. The units of the data-generating process are the 336 prefecture-level
    units of :func:`~spatialinno.datasets.load_prefectures` whose codes end in 00 (Sansha 460300 left out);
    the file carries what harmonisation has to undo:

    - **codes in force in each year**: units recoded in 2005-2019 (Bijie 522400 -> 520500 and Tongren
      522200 -> 520600 in 2011, Haidong 632100 -> 630200 in 2013, Danzhou 469003 -> 460400 in 2015, the
      Tibetan and Xinjiang regions that became cities, ...) carry their old code before the change;
    - **Laiwu 371200** (merged into Jinan 370100 in 2019) has its own rows before 2019, and Jinan's rows
      before 2019 are Jinan without Laiwu; ``pop`` is a level (sum when merging), every other column is
      combined by the population-weighted mean;
    - **Chaohu 341400** (dissolved in 2011 among Hefei, Wuhu and Ma'anshan) has rows for 2004-2010 that are
      not part of the data-generating process: drop them with ``split={341400: None}``;
    - **holes**: 24 city-years have no row at all, and 12 city-years have ``rd`` missing (NaN); both are
      listed in the truth (``holes``, ``missing_rd``). Estimate with ``missing="drop"``: the panel is then
      unbalanced.

    ``si.datasets.harmonise_codes(df, "code", "year", 2020, split={341400: None},
    aggregate=truth["harmonise"]["aggregate"])`` maps every row to a code of the shipped map and restores
    the data-generating panel. Its outcome ``innov`` is drawn from the **unbalanced two-way fixed-effects
    spatial Durbin model**, period by period on the city-years observed (S_t):

    .. math:: y_t = (I - \\rho W_t)^{-1}(X_t\\beta + W_t X_t\\theta + \\mu + \\xi_t \\iota + e_t),
              \\quad e_t \\sim N(0, \\sigma^2 I)

    with W_t the binary queen contiguity of the 336 units (islands linked to the nearest unit) restricted to
    S_t and row-normalised, rho = 0.30, beta = (agglom 0.25, open 0.10, educ 0.08, rd 0.15), theta =
    (W_agglom 0.20, W_open 0, W_educ 0.05, W_rd 0.10), sigma2 = 0.02: the model of
    ``si.sdm("innov ~ agglom + open + educ + rd", ..., fixed_effects="twoway", bias_correction="none")``.
    e is the first draw of its seeded stream. ``pgdp`` (log GDP per capita) is NOT a regressor of the
    outcome equation, so economic-distance weights built from it are exogenous here. Rows with ``rd``
    missing are outside S_t; their ``innov`` is a non-spatial placeholder that ``missing="drop"`` removes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

__all__ = ["load_prefecture_panel", "PREFECTURE_PANEL_VARIABLES"]

_DATA = Path(__file__).resolve().parent / "data"

PREFECTURE_PANEL_VARIABLES: dict[str, str] = {
    "code": "prefecture code in force in that year (GB/T 2260): old codes before a recode, Laiwu 371200 before "
            "2019, Chaohu 341400 before 2011",
    "year": "year, 2004-2019",
    "pop": "SIMULATED population, 10,000 persons (a level: sum when merging units)",
    "innov": "SIMULATED outcome: log patent grants per 10,000 people (unbalanced two-way FE SDM, see the truth)",
    "agglom": "SIMULATED high-tech location quotient",
    "open": "SIMULATED trade openness: imports plus exports over GDP",
    "educ": "SIMULATED average years of schooling",
    "rd": "SIMULATED log R&D intensity; missing (NaN) in 12 city-years",
    "pgdp": "SIMULATED log GDP per capita; not in innov's equation (for economic-distance weights)",
}


def load_prefecture_panel(return_truth: bool = False) -> pd.DataFrame | tuple[pd.DataFrame, dict]:
    """SIMULATED prefecture panel 2004-2019 with yearbook codes, holes and missing values (module docstring).

    Parameters
    ----------
    return_truth : bool
        Also return the data-generating process as a dict: ``rho``, ``beta``, ``theta``, ``sigma2``,
        ``formula``, ``fixed_effects``, ``dgp``, ``seed``, ``weights``, ``harmonise`` (the ``to_year``,
        ``split`` and ``aggregate`` arguments of :func:`~spatialinno.datasets.harmonise_codes` that restore the
        DGP panel), ``recoded`` (unit -> old code and change year), ``holes`` and ``missing_rd`` (lists of
        [code, year] with 2020 codes), ``entity_effects``, ``time_effects``, ``N``, ``T``, ``variables``.

    Returns
    -------
    pd.DataFrame or (pd.DataFrame, dict)
        Columns ``code, year, pop, innov, agglom, open, educ, rd, pgdp`` (see
        :data:`PREFECTURE_PANEL_VARIABLES`), sorted by year and code; a new object on every call.

    Examples
    --------
    >>> import spatialinno as si
    >>> raw, truth = load_prefecture_panel(return_truth=True)
    >>> panel = si.datasets.harmonise_codes(raw, "code", "year", 2020, split={341400: None},
    ...                                     aggregate=truth["harmonise"]["aggregate"])
    >>> int(panel["code"].isin(si.datasets.load_prefectures()["code"]).all())
    1
    """
    path = _DATA / "prefecture_panel.csv.gz"
    if not path.is_file():
        raise FileNotFoundError(f"bundled data file missing: {path}. Reinstall spatialinno, or in a source "
                                "checkout regenerate it with 'python scripts/make_prefecture_panel.py'.")
    df = pd.read_csv(path, dtype={"code": "int64", "year": "int64"})
    if not return_truth:
        return df
    truth = json.loads((_DATA / "prefecture_truth.json").read_text(encoding="utf-8"))
    truth["harmonise"]["split"] = {int(k): v for k, v in truth["harmonise"]["split"].items()}
    truth["harmonise"]["aggregate"] = {k: tuple(v) if isinstance(v, list) else v
                                       for k, v in truth["harmonise"]["aggregate"].items()}
    return df, truth
