"""Distance decay of spillovers: one spatial model per distance threshold.

For each threshold d the weights link the pairs of regions whose great-circle distance (km, between
equal-area centroids or given lon/lat points) falls in

- ``scheme="band"``:   d <= d_ij < d + band_width_km  (a ring: who is how far away);
- ``scheme="beyond"``: d_ij >= d                      (everything at least d away);
- ``scheme="within"``: d_ij <  d                      (everything closer than d),

with binary (or inverse-distance) weights, row-normalised. The same model (SAR, SDM, SDEM, SLX or SAC,
cross-section or panel) is fitted with each W and its LeSage-Pace direct, indirect and total effects
are simulated. Plotting the indirect effect against d traces how far spillovers reach (cf. Keller 2002 on
the geographic localisation of technology spillovers). Each threshold's model sees only its own W, so its
effects estimate a pseudo-true value for that slice of distances, not a piece of one joint model.

Regions with no partner in a band ("islands") keep an all-zero row of W (``islands="keep"``): their
spatial lags are zero. A threshold whose model cannot be fitted (e.g. rho at the bound of its interval,
or a band that no pair of regions falls in) gives rows of NaN with the reason in ``note``; it does not
stop the other thresholds.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .constants import DEFAULT_SEED, SPILLOVER_FAMILIES
from .errors import IdError, IslandError, SpatialInnoError, SpatialInnoWarning, preview
from .models.fe_formula import fe_in_formula
from .models.missing import DroppedRows, MissingRecord, handle_missing
from .models.model import fit
from .models.results import SpatialResults
from .parallel import resolve_n_jobs, run_tasks
from .plot.effects import decay_plot
from .validation import check_alpha, check_draws, check_int_seed
from .weights import Weights
from .weights.distance import distance_band
from .weights.geometry import lonlat_points, region_ids

SCHEMES = ("band", "beyond", "within")
EFFECTS = ("direct", "indirect", "total")
#: errors of one threshold's fit that are recorded as a NaN row instead of stopping the run
RECORDED = (SpatialInnoError, np.linalg.LinAlgError, FloatingPointError, ZeroDivisionError, OverflowError)
TABLE_COLUMNS = ["threshold", "lower_km", "upper_km", "variable", "effect", "estimate", "std_error", "p_value",
                 "ci_lower", "ci_upper", "n_links", "n_islands", "rho", "lambda", "llf", "note"]


def threshold_seed(seed: int, threshold: float) -> int:
    """Seed of the effect simulation at ``threshold``.

    A function of (seed, threshold) only, ``SeedSequence([seed, round(1000 * threshold)])``, so a
    threshold gets the same draws whatever the other thresholds, their order or ``n_jobs``.

    Parameters
    ----------
    seed : int
        Seed of the whole decay run.
    threshold : float
        Threshold in km (resolved to metres).

    Returns
    -------
    int
        A 32-bit seed for that threshold's effect simulation.
    """
    ss = np.random.SeedSequence([int(seed), round(float(threshold) * 1000)])
    return int(ss.generate_state(1, dtype=np.uint32)[0])


@dataclass(frozen=True)
class DecayResult(DroppedRows):
    """Distance-decay curve of spatial effects (see :func:`distance_decay`).

    Attributes
    ----------
    table : DataFrame
        One row per (threshold, variable, effect), thresholds increasing, with columns ``threshold``
        (km), ``lower_km``/``upper_km`` (the distance interval linked by W at that threshold),
        ``variable``, ``effect`` (direct|indirect|total), ``estimate``, ``std_error``, ``p_value``,
        ``ci_lower``, ``ci_upper`` (simulation interval at level 1 - alpha), ``n_links`` (directed
        non-zero links of W: each linked pair counts twice), ``n_islands`` (regions with no partner),
        ``rho``/``lambda`` (NaN where the model has none), ``llf`` and ``note`` (why the fit failed, when
        the values are NaN; otherwise caveats such as islands under the Lee-Yu time transformation or
        rejected simulation draws; "" when there is nothing to report).
    results : dict
        threshold -> fitted result (None where the fit failed).
    weights : dict
        threshold -> the :class:`Weights` used (None when no pair of regions is in the band).
    islands : dict
        threshold -> list of the ids with no partner at that threshold.
    seeds : dict
        threshold -> seed of that threshold's effect simulation (see :func:`threshold_seed`).
    scheme, model, formula : str
        The run's distance scheme, model family (upper case) and formula.
    band_width_km : dict or None
        threshold -> width of its band (``scheme="band"``), else None.
    alpha : float
        Level of the intervals in :attr:`table` (100(1 - alpha)%).
    draws : int
        Simulation draws per threshold.
    weight : str
        ``"binary"`` or ``"inverse"`` weights inside a band.
    info : dict
        Further settings of the run (points, power, panel layout, fixed effects, ...).
    missing : MissingRecord, optional
        Rows dropped by ``missing="drop"`` (``dropped`` lists them; their regions leave the map's W).

    The result is immutable: assigning an attribute raises ``AttributeError``.
    """

    table: pd.DataFrame
    results: dict[float, SpatialResults | None]
    weights: dict[float, Weights | None]
    islands: dict[float, list]
    seeds: dict[float, int]
    scheme: str
    model: str
    formula: str
    band_width_km: dict[float, float] | None
    alpha: float
    draws: int
    weight: str = "binary"
    info: dict[str, Any] = field(default_factory=dict)
    missing: MissingRecord | None = None

    @property
    def thresholds(self) -> list[float]:
        """Thresholds (km) of the run, increasing.

        Returns
        -------
        list of float
            The keys of :attr:`results`.
        """
        return list(self.results)

    @property
    def variables(self) -> list[str]:
        """Regressors whose effects the decay table holds.

        Returns
        -------
        list of str
            In the order of :attr:`table`.
        """
        return list(pd.unique(self.table["variable"]))

    def _check_variable(self, variable: str, effect: str = "indirect") -> None:
        if variable not in self.variables:
            raise SpatialInnoError(f"unknown variable {variable!r}; the decay curve has {preview(self.variables)}")
        if effect not in EFFECTS:
            raise SpatialInnoError(f"effect must be one of {', '.join(EFFECTS)} (got {effect!r})")

    def curve(self, variable: str, effect: str = "indirect", alpha: float | None = None) -> pd.DataFrame:
        """Rows of :attr:`table` for one variable and effect, indexed by threshold.

        Parameters
        ----------
        variable : str
            A regressor of the decay run.
        effect : str
            ``"direct"``, ``"indirect"`` (default) or ``"total"``.
        alpha : float, optional
            Level of the intervals; other than the run's, ``ci_lower``/``ci_upper`` are recomputed at
            that level from the same simulation draws (same seed per threshold).

        Returns
        -------
        pd.DataFrame
            The table's columns for that variable and effect, indexed by ``threshold``.
        """
        self._check_variable(variable, effect)
        t = self.table
        out = t[(t["variable"] == variable) & (t["effect"] == effect)].set_index("threshold")
        if alpha is not None and not np.isclose(check_alpha(alpha), self.alpha):
            out = out.copy()
            for thr, res in self.results.items():
                if res is None:
                    continue
                imp = res.impacts(method="simulation", draws=self.draws, seed=self.seeds[thr], alpha=alpha,
                                  variables=[variable]).loc[(variable, effect)]
                out.loc[thr, ["ci_lower", "ci_upper"]] = [imp["ci_lower"], imp["ci_upper"]]
        return out

    def significant(self, variable: str, effect: str = "indirect", alpha: float | None = None) -> pd.Series:
        """Per threshold, whether the 100(1 - alpha)% simulation interval excludes 0.

        Parameters
        ----------
        variable : str
            A regressor of the decay run.
        effect : str
            ``"direct"``, ``"indirect"`` (default) or ``"total"``.
        alpha : float, optional
            Level of the intervals (default: the run's).

        Returns
        -------
        pd.Series
            Indexed by threshold: True when the interval excludes 0, False when it includes 0, <NA>
            when the fit failed.
        """
        return self.signs(variable, effect, alpha).ne(0).rename(f"{effect} effect of {variable} significant")

    def signs(self, variable: str, effect: str = "indirect", alpha: float | None = None) -> pd.Series:
        """Per threshold, the sign of a significant effect.

        Parameters
        ----------
        variable : str
            A regressor of the decay run.
        effect : str
            ``"direct"``, ``"indirect"`` (default) or ``"total"``.
        alpha : float, optional
            Level of the intervals (default: the run's).

        Returns
        -------
        pd.Series
            Nullable integers indexed by threshold: +1 when the 100(1 - alpha)% simulation interval
            lies above 0, -1 when it lies below 0, 0 when it includes 0, <NA> when the fit failed.
        """
        c = self.curve(variable, effect, alpha)
        sign = np.where(c["ci_lower"] > 0, 1, np.where(c["ci_upper"] < 0, -1, 0))
        ok = c["ci_lower"].notna() & c["ci_upper"].notna()
        return pd.Series(pd.array(np.where(ok, sign, pd.NA), dtype="Int64"), index=c.index,
                         name=f"sign of the significant {effect} effect of {variable}")

    def boundary(self, variable: str, alpha: float = 0.05, effect: str = "indirect") -> float | None:
        """Spillover boundary: the first distance beyond which the (indirect) effect is no longer significant.

        Definition: take the thresholds whose model was fitted, in increasing order, and call a threshold
        significant when the 100(1 - alpha)% simulation interval of the effect excludes 0. Find the first
        significant threshold; the boundary is the first threshold after it whose interval includes 0 or
        lies on the other side of 0, i.e. the end of the first run of thresholds significant with the
        same sign (a significant positive spillover followed by a significant negative one has ended).
        Thresholds before that run (e.g. short bands with so few linked regions that the average effect
        is tiny) are skipped, and so are failed fits.

        Reading: for ``scheme="band"`` the boundary is the lower edge of the first band without a
        significant effect (spillovers reach at least that far); for ``"within"`` the first radius at
        which adding more distant regions makes the average effect insignificant; for ``"beyond"`` the
        first d such that the regions at least d away no longer have a significant effect.

        Parameters
        ----------
        variable : str
            A regressor of the decay run.
        alpha : float
            Level of the intervals; other than the run's, the same simulation draws are re-used at the
            new level.
        effect : str
            ``"direct"``, ``"indirect"`` (default) or ``"total"``.

        Returns
        -------
        float or None
            The boundary threshold in km; None when no threshold was fitted, no threshold is significant,
            or the first run lasts to the largest threshold (the spillover reaches beyond the range
            examined): :meth:`boundary_reason` says which.
        """
        return self._boundary(variable, alpha, effect)[0]

    def boundary_reason(self, variable: str, alpha: float = 0.05, effect: str = "indirect") -> str:
        """Why :meth:`boundary` gives its answer (in particular why it is None), in one sentence.

        Parameters
        ----------
        variable : str
            A regressor of the decay run.
        alpha : float
            Level of the intervals.
        effect : str
            ``"direct"``, ``"indirect"`` (default) or ``"total"``.

        Returns
        -------
        str
            E.g. "no threshold has a significant indirect effect of agglom at alpha=0.05".
        """
        return self._boundary(variable, alpha, effect)[1]

    def _boundary(self, variable: str, alpha: float, effect: str) -> tuple[float | None, str]:
        fitted = self.signs(variable, effect, check_alpha(alpha)).dropna()
        what = f"the {effect} effect of {variable}"
        if fitted.empty:
            return None, f"no threshold was fitted (see the note column of the table), so {what} has no boundary"
        signs = fitted.to_numpy(dtype=int)
        if not signs.any():
            return None, f"no fitted threshold has a significant {effect} effect of {variable} at alpha={alpha:g}"
        start = int(np.flatnonzero(signs)[0])
        off = np.flatnonzero(signs[start:] != signs[start])
        first = float(fitted.index[start])
        if not len(off):
            return None, (f"{what} is significant from {first:g} km up to the largest fitted threshold "
                          f"({float(fitted.index[-1]):g} km): the spillover reaches beyond the range examined")
        end = float(fitted.index[start + off[0]])
        return end, f"{what} is significant from {first:g} km and no longer at {end:g} km (alpha={alpha:g})"

    def plot(self, variable: str, effect: str = "indirect", ax=None, **kwargs):
        """The decay curve of ``variable`` (see :func:`spatialinno.plot.decay_plot`).

        Parameters
        ----------
        variable : str
            A regressor of the decay run.
        effect : str
            ``"direct"``, ``"indirect"`` (default) or ``"total"``.
        ax : matplotlib.axes.Axes, optional
            Axes to draw on; a new figure when None.
        **kwargs
            Passed to :func:`spatialinno.plot.decay_plot`.

        Returns
        -------
        matplotlib.axes.Axes
            The Axes drawn on.
        """
        return decay_plot(self, variable, effect=effect, ax=ax, **kwargs)

    def __repr__(self) -> str:
        ok = sum(r is not None for r in self.results.values())
        th = self.thresholds
        span = f"{th[0]:g}..{th[-1]:g} km" if th else "none"
        return (f"<DecayResult: {self.model}, scheme={self.scheme!r}, {len(th)} thresholds ({span}), "
                f"{ok} fitted, variables {preview(self.variables)}>")


def _band_widths(thresholds: np.ndarray, band_width_km: float | None) -> np.ndarray:
    if band_width_km is not None:
        if not np.isfinite(band_width_km) or band_width_km <= 0:
            raise SpatialInnoError(f"band_width_km must be a positive number of km (got {band_width_km})")
        return np.full(len(thresholds), float(band_width_km))
    if len(thresholds) < 2:
        raise SpatialInnoError("with one threshold, give band_width_km (the default is the spacing of thresholds)")
    gaps = np.diff(thresholds)
    return np.r_[gaps, gaps[-1]]


def _build_weights(points: pd.DataFrame, lower: float, upper: float, weight: str, power: float,
                   islands: str) -> Weights:
    """The band's W, recording the run's island policy (it also governs regions an unbalanced panel's period
    leaves without a partner: "keep" gives them a zero row in that period, "error" raises naming them)."""
    with warnings.catch_warnings():  # islands are counted in the table (n_islands) instead
        warnings.simplefilter("ignore", SpatialInnoWarning)
        w = distance_band(points, id="id", lower_km=lower, upper_km=upper, weight=weight, power=power,
                          points=("lon", "lat"), normalize="row")
    return Weights(w.raw, w.ids, normalization=w.normalization, kind=w.kind, meta={**w.meta, "islands": islands})


def _fit_one(shared: dict, task: dict) -> tuple[SpatialResults | None, list[list], str]:
    """Fit one threshold's model and simulate its effects; errors listed in RECORDED become a note.

    ``shared`` holds what every threshold uses (model, formula, data, fit keywords, variables, draws, alpha),
    sent once per worker; ``task`` what differs (W, seed, note).
    """
    w = task["w"]
    variables, alpha = shared["variables"], shared["alpha"]
    if w is None:
        return None, [], task["note"]
    try:
        with warnings.catch_warnings():  # the approximate Lee-Yu case is recorded in the row's note instead
            warnings.simplefilter("ignore", SpatialInnoWarning)
            res = fit(shared["model"], shared["formula"], shared["data"], w, **shared["fit_kwargs"])
        imp = res.impacts(method="simulation", draws=shared["draws"], seed=task["seed"], alpha=alpha,
                          variables=variables)
    except RECORDED as exc:
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return None, [], f"fit failed ({type(exc).__name__}): {msg}"
    rows = [[v, e, *imp.loc[(v, e), ["estimate", "std_error", "p_value", "ci_lower", "ci_upper"]].tolist()]
            for v in variables for e in EFFECTS]
    notes = []
    n_isl = len(w.islands)
    if n_isl and res.bias_correction == "lee-yu" and res.fixed_effects in ("time", "twoway"):
        notes.append(f"{n_isl} island{'s' if n_isl > 1 else ''}: W 1 != 1, so the Lee-Yu time-effects "
                     f"transformation is approximate (bias_correction='none' is exact)")
    if imp.attrs.get("rejected", 0):
        notes.append(f"{imp.attrs['rejected']} of {shared['draws']} simulation draws rejected "
                     f"(rho outside its interval)")
    return res, rows, "; ".join(notes)


@fe_in_formula
def distance_decay(formula: str, data: pd.DataFrame, gdf, *, model: str = "sdm", id: Hashable | None = None,
                   entity: Hashable | None = None, time: Hashable | None = None, fixed_effects: str | None = None,
                   bias_correction: str = "lee-yu", thresholds_km: Sequence[float], scheme: str = "band",
                   band_width_km: float | None = None, weight: str = "binary", power: float = 1.0,
                   points="centroid", gdf_id: Hashable | None = None, variables: Sequence[str] | None = None,
                   draws: int = 1000, seed: int = DEFAULT_SEED, alpha: float = 0.05, n_jobs: int = 1,
                   progress: bool = False, islands: str = "keep", durbin: Sequence[str] | None = None,
                   method: str = "auto", client: Any = None, missing: str = "raise") -> DecayResult:
    """Fit a spatial model for each distance threshold and collect its direct/indirect/total effects.

    Parameters
    ----------
    formula, data, id, entity, time, fixed_effects, bias_correction, durbin, method
        As for the models (:func:`spatialinno.sdm` etc.): a cross-section when ``entity``/``time`` are
        None (rows aligned by ``id`` column or the index), else a long panel.
    gdf : GeoDataFrame
        The regions; W is built on its ids (column ``gdf_id``; by default the column named like
        ``entity`` (panel) or ``id`` (cross-section), or the index when that is None). Must hold exactly
        the data's regions.
    model : {"sdm", "sar", "sdem", "slx", "sac"}
        The model fitted at every threshold (case-insensitive).
    thresholds_km : sequence of float
        Distances in km (>= 0); sorted increasing in the output.
    scheme : {"band", "beyond", "within"}
        band: pairs with d <= d_ij < d + band_width_km; beyond: d_ij >= d; within: d_ij < d.
    band_width_km : float, optional
        Width of the bands (``scheme="band"`` only). Default: the spacing of the thresholds (for uneven
        thresholds, the gap to the next one; the last band is as wide as the gap before it).
    weight, power : str, float
        ``"binary"`` (default) or ``"inverse"`` (d_ij^-power) weights within the band; always row-normalised.
    points : "centroid" or (lon_col, lat_col)
        Where regions are located: equal-area centroids, or columns of ``gdf`` (e.g. provincial capitals
        ``("capital_lon", "capital_lat")``). Distances are great-circle km.
    variables : list of str, optional
        Regressors whose effects are reported (default: all but the intercept).
    draws, seed, alpha
        Simulation draws of the effects, the base seed (each threshold uses :func:`threshold_seed`) and
        the level of the intervals (1 - alpha).
    n_jobs : int
        Local processes fitting thresholds, this one included (``-1``: one per CPU); below about two seconds
        of estimated work the thresholds run serially (:func:`spatialinno.parallel.run_tasks`). Results do not
        depend on it.
    client : dask.distributed.Client, optional
        Fit the thresholds on this Dask cluster (a ``LocalCluster`` or any cluster; ``pip install
        "spatialinno[dask]"``). Results are identical to the serial run for the same seed.
    progress : bool
        Show a tqdm progress bar.
    islands : {"keep", "error"}
        Regions without a partner at some threshold keep a zero row of W and are counted in
        ``n_islands`` (``"keep"``), or raise :class:`~spatialinno.errors.IslandError` before anything is
        fitted (``"error"``; a band with no pair at all also raises then).
    missing : {"raise", "drop"}
        Rows with a NaN in a used column: ``"raise"`` names them; ``"drop"`` drops them once for every threshold
        and records them (``res.dropped``); a region losing every row is left out of the map's W.

    Returns
    -------
    DecayResult
        ``.table``, ``.results``, ``.boundary(variable)``, ``.plot(variable)``.

    Errors that concern the whole run (formula, ids, panel structure, arguments) are raised at once;
    a threshold whose fit fails (e.g. :class:`~spatialinno.errors.EstimationError` with rho at its
    bound, or a band no pair of regions falls in) is recorded with NaN values and a ``note``; when no
    threshold links any pair of regions the call raises :class:`~spatialinno.errors.IslandError`.

    Caveat: each threshold's model contains only its own W, so its effects are pseudo-true values of a
    misspecified model when the spillovers act at other distances too. With time fixed effects a
    region's mean regressor in a far ring is typically negatively correlated with that in its near
    rings (the national mean is removed), so a far band can show a significant effect of the opposite
    sign to the true spillover; the intervals do not reflect this misspecification. Read the curves
    with the ``within`` scheme beside them (see notebooks/02_distance_decay_maps.ipynb for an example
    with a known truth).
    """
    # -- arguments ---------------------------------------------------------------------------
    key = str(model).upper()
    if key not in SPILLOVER_FAMILIES:
        raise SpatialInnoError(f"model must be one of {', '.join(m.lower() for m in SPILLOVER_FAMILIES)} for a decay "
                               f"curve (got {model!r}); OLS and SEM have no spillover effects")
    if scheme not in SCHEMES:
        raise SpatialInnoError(f"scheme must be one of {', '.join(map(repr, SCHEMES))} (got {scheme!r})")
    if weight not in ("binary", "inverse"):
        raise SpatialInnoError(f"weight must be 'binary' or 'inverse' (got {weight!r})")
    if not np.isfinite(power) or power <= 0:
        raise SpatialInnoError(f"power must be a positive number (got {power})")
    if islands not in ("keep", "error"):
        raise SpatialInnoError(f"islands must be 'keep' or 'error' (got {islands!r})")
    alpha, draws = check_alpha(alpha), check_draws(draws)
    seed = check_int_seed(seed)
    if scheme != "band" and band_width_km is not None:
        raise SpatialInnoError(f"band_width_km applies to scheme='band' only (scheme is {scheme!r})")
    try:
        th = np.asarray(list(thresholds_km), dtype=float).ravel()
    except (TypeError, ValueError):
        raise SpatialInnoError("thresholds_km must be a sequence of distances in km, "
                               "e.g. range(0, 2001, 250)") from None
    if th.size == 0:
        raise SpatialInnoError("thresholds_km is empty; give distances in km, e.g. range(0, 2001, 250)")
    if not np.all(np.isfinite(th)) or (th < 0).any():
        raise SpatialInnoError(f"thresholds_km must be finite and >= 0 (got {preview(th.tolist())})")
    if len(np.unique(th)) != th.size:
        raise SpatialInnoError(f"thresholds_km has duplicates: {preview(sorted(set(th[pd.Index(th).duplicated()])))}")
    th = np.sort(th)
    widths = _band_widths(th, band_width_km) if scheme == "band" else None
    resolve_n_jobs(n_jobs)  # a bad n_jobs is named before anything is built

    # -- regions and their points --------------------------------------------------------------
    panel = entity is not None or time is not None
    if gdf_id is None:
        gdf_id = entity if panel else id
    if gdf_id is not None and gdf_id not in getattr(gdf, "columns", ()):
        raise IdError(f"id column {gdf_id!r} not in gdf; columns are {preview(list(getattr(gdf, 'columns', [])))}. "
                      f"Pass gdf_id= naming the map's id column")
    data, _, record = handle_missing(data, formula, None, id=id, entity=entity, time=time, missing=missing)
    ids = region_ids(gdf, gdf_id)
    ll = lonlat_points(gdf, ids, points)
    kept = ~ids.isin(record.removed_regions)  # regions whose every row was dropped leave W
    ids, ll = ids[kept], ll[kept]
    pts = pd.DataFrame({"id": ids.to_numpy(), "lon": ll[:, 0], "lat": ll[:, 1]})

    # -- validate the run once: formula, ids, panel, regressors (OLS ignores W's links) ----------
    fit_kwargs: dict[str, Any] = {"id": id, "entity": entity, "time": time, "fixed_effects": fixed_effects,
                  "bias_correction": bias_correction, "durbin": durbin, "method": method}
    if fixed_effects == "random":
        raise SpatialInnoError("distance_decay needs fixed effects or pooled data; random effects are not supported")
    w0 = Weights(sp.csr_matrix((len(ids), len(ids))), ids, normalization="row", kind="no links")
    try:
        base = fit("OLS", formula, data, w0, **{**fit_kwargs, "durbin": None})
    except IdError as exc:
        raise IdError(f"{exc} (distance_decay builds W on the regions of gdf: give a gdf holding exactly the "
                      f"data's regions, e.g. gdf[gdf['{gdf_id}'].isin(data['{gdf_id}'])])") from None
    regressors = base.variables
    if durbin is not None:
        unknown = [d for d in durbin if d not in regressors]
        if unknown:
            raise SpatialInnoError(f"durbin names {preview(unknown)} are not regressors; "
                                   f"choose from {preview(regressors)}")
    if variables is None:
        variables = regressors
    else:
        variables = [variables] if isinstance(variables, str) else list(variables)
        unknown = [v for v in variables if v not in regressors]
        if unknown or not variables:
            raise SpatialInnoError(f"variables {preview(unknown)} are not regressors; "
                                   f"choose from {preview(regressors)}")

    # -- weights per threshold -------------------------------------------------------------------
    tasks: list[dict[str, Any]] = []
    meta: list[dict[str, Any]] = []
    for k, t in enumerate(th):
        if widths is not None:  # scheme == "band"
            lower, upper = float(t), float(t + widths[k])
        elif scheme == "beyond":
            lower, upper = float(t), np.inf
        else:
            lower, upper = 0.0, float(t)
        w, note = None, ""
        if upper <= lower:
            note = f"no pair of regions lies in [{lower:g}, {upper:g}) km"
        else:
            try:
                w = _build_weights(pts, lower, upper, weight, power, islands)
            except IslandError:
                note = f"no pair of regions lies in [{lower:g}, {upper:g}) km: every region would be an island"
        isl = list(ids) if w is None else list(w.islands)
        if islands == "error" and isl:
            raise IslandError(f"at threshold {t:g} km ({scheme} [{lower:g}, {upper:g}) km) {len(isl)} regions have "
                              f"no partner: {preview(isl)}; use islands='keep' (zero rows) or change the thresholds")
        meta.append({"threshold": float(t), "lower_km": lower, "upper_km": upper, "w": w,
                     "n_links": 0 if w is None else w.n_links, "islands": isl})
        tasks.append({"w": w, "note": note, "seed": threshold_seed(seed, t)})

    if all(m["w"] is None for m in meta):
        raise IslandError(f"no threshold links any pair of regions ({scheme} scheme, thresholds "
                          f"{preview(th.tolist())} km): every fit would have W = 0; choose thresholds within the "
                          f"distances between the regions")

    # -- fit -------------------------------------------------------------------------------------
    shared = {"model": key, "formula": formula, "data": data, "fit_kwargs": fit_kwargs, "variables": variables,
              "draws": int(draws), "alpha": alpha}
    outputs = run_tasks(_fit_one, tasks, shared=shared, n_jobs=n_jobs, client=client, progress=progress,
                        desc=f"distance decay ({key}, {scheme})")

    # -- assemble ----------------------------------------------------------------------------------
    rows: list[list[Any]] = []
    results: dict[float, SpatialResults | None] = {}
    weights: dict[float, Weights | None] = {}
    isl_map: dict[float, list] = {}
    seeds: dict[float, int] = {}
    for m, task, (res, eff_rows, note) in zip(meta, tasks, outputs, strict=True):
        t = m["threshold"]
        # a fit run in another process carries that process's copy of W: keep that one
        results[t], isl_map[t], seeds[t] = res, m["islands"], task["seed"]
        weights[t] = res.weights if res is not None else m["w"]
        common = [m["n_links"], len(m["islands"])]
        if res is None:
            eff_rows = [[v, e] + [np.nan] * 5 for v in variables for e in EFFECTS]
            extra = [np.nan, np.nan, np.nan]
        else:
            extra = [float(res.params["rho"]) if "rho" in res.params else np.nan,
                     float(res.params["lambda"]) if "lambda" in res.params else np.nan, float(res.llf)]
        for r in eff_rows:
            rows.append([t, m["lower_km"], m["upper_km"], *r, *common, *extra, note])
    table = pd.DataFrame(rows, columns=TABLE_COLUMNS)
    table["n_links"] = table["n_links"].astype(int)
    table["n_islands"] = table["n_islands"].astype(int)
    return DecayResult(table=table, results=results, weights=weights, islands=isl_map, seeds=seeds, scheme=scheme,
                       model=key, formula=formula,
                       band_width_km=None if widths is None else dict(zip(th.tolist(), widths.tolist(), strict=True)),
                       alpha=alpha, draws=int(draws), weight=weight, missing=record,
                       info={"points": points, "power": power, "panel": panel, "fixed_effects": fixed_effects,
                             "bias_correction": bias_correction, "seed": seed, "outcome": base.formula_outcome})
