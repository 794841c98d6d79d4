"""Choosing among SAR, SEM and SDM: the specific-to-general-to-specific procedure of Elhorst (2010, 2014).

1. Robust LM tests on the non-spatial model (Anselin et al. 1996; panels: Debarsy and Ertur 2010, Elhorst
   2014 ch. 3) say whether the residual dependence looks like a spatial lag or a spatial error.
2. The spatial Durbin model (SDM) ``y = rho W y + X beta + W X theta + e`` is estimated and tested for its two
   reductions, each by a likelihood-ratio and a Wald test:

   - ``H0: theta = 0`` (the SDM reduces to the SAR ``y = rho W y + X beta + e``);
   - ``H0: theta + rho beta = 0`` (the common-factor restriction: the SDM reduces to the SEM
     ``y = X beta + u, u = lambda W u + e``).

3. Decision at level ``alpha`` (Elhorst 2010, "Applied spatial econometrics: raising the bar", Spatial
   Economic Analysis 5(1), 9-28, section 4; Elhorst 2014, *Spatial Econometrics*, ch. 2-3):

   - both reductions rejected by both tests -> SDM;
   - theta = 0 not rejected by either test, and the robust LM tests point to a lag (or, failing that,
     the common factor is not rejected either and the LM tests do not point to an error) -> SAR;
   - the common factor not rejected by either test and the robust LM tests point to an error -> SEM;
   - otherwise (LR and Wald disagree, or the LM tests point elsewhere) -> SDM, which nests both and stays
     unbiased if the true model is a SAR or a SEM (LeSage and Pace 2009, ch. 6).

   The robust LM tests "point to a lag" when RLM-lag is significant and RLM-error is not or is smaller
   (symmetrically for the error). Without all three of SAR, SEM and SDM among the candidates the
   lowest AIC decides.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .diagnostics import lm_tests
from .errors import SpatialInnoError
from .models import SpatialResults, fit
from .models.fe_formula import fe_in_formula
from .summary import Summary
from .weights import Weights

__all__ = ["ModelChoice", "select_model"]

#: candidate models known to the procedure (lower-case keys) and their display names
CANDIDATES: dict[str, str] = {"ols": "OLS", "slx": "SLX", "sar": "SAR", "sem": "SEM", "sdm": "SDM", "sdem": "SDEM",
                              "sac": "SAC"}
H0_SAR = "theta = 0 (SDM reduces to SAR)"
H0_SEM = "theta + rho beta = 0 (SDM reduces to SEM)"
STEP_COLUMNS = ["stage", "null hypothesis", "statistic", "df", "p_value", "decision"]


@dataclass(frozen=True)
class ModelChoice:
    """The outcome of :func:`select_model`: the chosen model, the tests behind the choice and every fit.

    Parameters
    ----------
    chosen : SpatialResults
        The fitted chosen model.
    key : str
        Its lower-case name (``"sar"``, ``"sem"``, ``"sdm"``, ...).
    steps : DataFrame
        One row per test, indexed by test name (``RLM lag``, ``RLM error``, ``LR SDM vs SAR``,
        ``Wald theta = 0``, ``LR SDM vs SEM``, ``Wald common factor``, ``AIC <model>``), columns ``stage``
        (``LM``, ``SDM reduction``, ``AIC``), ``null hypothesis``, ``statistic``, ``df``, ``p_value`` and
        ``decision`` (the test's verdict at ``alpha`` in words).
    fits : dict of str to SpatialResults
        The fitted candidate models, by lower-case name.
    lm_points_to : {"lag", "error", None}
        Where the robust LM tests point (None: both or neither, or no LM tests, e.g. random effects).
    rule : {"tests", "aic"}
        ``"tests"`` when the LM/LR/Wald procedure decided, ``"aic"`` when SAR, SEM and SDM were not all
        available and the lowest AIC decided.
    reason : str
        The decision in one sentence.
    alpha : float
        The significance level of every test.
    """

    chosen: SpatialResults
    key: str
    steps: pd.DataFrame
    fits: dict
    lm_points_to: str | None
    rule: str
    reason: str
    alpha: float

    @property
    def dropped(self) -> pd.DataFrame:
        """Rows dropped by ``missing="drop"`` (those of the chosen fit; every candidate dropped the same)."""
        return self.chosen.dropped

    @property
    def name(self) -> str:
        """Display name of the chosen model (``"SDM"``)."""
        return CANDIDATES[self.key]

    def summary(self) -> Summary:
        """The choice as a :class:`spatialinno.summary.Summary`: the tests, then the decision.

        Returns
        -------
        Summary
        """
        header = [("Chosen model", self.name), ("Rule", "LM -> SDM -> LR/Wald (Elhorst 2010, 2014)"
                                                if self.rule == "tests" else "lowest AIC"),
                  ("Significance level", f"{self.alpha:g}"),
                  ("Candidates", ", ".join(CANDIDATES[k] for k in self.fits))]
        return Summary(title=f"Model choice: {self.name}", header=header, tables=[self.steps],
                       captions=["Tests behind the choice"], notes=[self.reason, *self.chosen.missing_notes()])


def _verdict(p: float, alpha: float) -> str:
    return f"reject H0 at {alpha:g}" if p < alpha else f"do not reject H0 at {alpha:g}"


def _lm_step(lm: pd.DataFrame, alpha: float) -> tuple[list[dict], str | None]:
    """Rows of the robust LM tests and where they point (Elhorst 2014, section 3.4)."""
    p_rl, p_re = float(lm.loc["RLM_lag", "p_value"]), float(lm.loc["RLM_error", "p_value"])
    s_rl, s_re = float(lm.loc["RLM_lag", "statistic"]), float(lm.loc["RLM_error", "statistic"])
    lag = p_rl < alpha and (p_re >= alpha or s_rl > s_re)
    err = p_re < alpha and (p_rl >= alpha or s_re > s_rl)
    rows = [{"test": "RLM lag", "stage": "LM", "null hypothesis": "no spatial lag (robust to a spatial error)",
             "statistic": s_rl, "df": int(lm.loc["RLM_lag", "df"]), "p_value": p_rl,
             "decision": _verdict(p_rl, alpha)},
            {"test": "RLM error", "stage": "LM", "null hypothesis": "no spatial error (robust to a spatial lag)",
             "statistic": s_re, "df": int(lm.loc["RLM_error", "df"]), "p_value": p_re,
             "decision": _verdict(p_re, alpha)}]
    return rows, ("lag" if lag else "error" if err else None)


def _decide(lr_sar: pd.Series, wd_sar: pd.Series, lr_sem: pd.Series, wd_sem: pd.Series, lm_lag: bool,
            lm_err: bool, alpha: float) -> tuple[str, str]:
    """The SDM reduction rule (Elhorst 2010, section 4): chosen model and the reason in words."""
    rej_sar = lr_sar["p_value"] < alpha and wd_sar["p_value"] < alpha
    rej_sem = lr_sem["p_value"] < alpha and wd_sem["p_value"] < alpha
    mixed_sar = (lr_sar["p_value"] < alpha) != (wd_sar["p_value"] < alpha)
    mixed_sem = (lr_sem["p_value"] < alpha) != (wd_sem["p_value"] < alpha)
    if rej_sar and rej_sem:
        return "sdm", (f"Both reductions are rejected at {alpha:g}, so the SDM is retained: it describes the data "
                       f"better than the SAR or the SEM.")
    if not rej_sar and not mixed_sar and (lm_lag or not rej_sem and not lm_err):
        return "sar", ("The SAR restriction is not rejected" + (" and the robust LM tests point to a spatial lag"
                                                                if lm_lag else "") + ", so the simpler SAR is chosen.")
    if not rej_sem and not mixed_sem and lm_err:
        return "sem", ("The common-factor restriction is not rejected and the robust LM tests point to spatial "
                       "error dependence, so the SEM is chosen.")
    return "sdm", ("The evidence is mixed (a restriction is rejected by one test but not the other, or the LM tests "
                   "point elsewhere), so the SDM is kept: it nests both and stays unbiased if the true model is a SAR "
                   "or a SEM (LeSage and Pace 2009).")


@fe_in_formula
def select_model(formula: str, data: pd.DataFrame, w: Weights, *, id: Hashable | None = None,
                 entity: Hashable | None = None, time: Hashable | None = None, fixed_effects: str | None = None,
                 bias_correction: str = "lee-yu", alpha: float = 0.05,
                 models: Sequence[str] = ("sar", "sem", "sdm"),
                 fits: Mapping[str, SpatialResults] | None = None, missing: str = "raise") -> ModelChoice:
    """Choose among SAR, SEM and SDM by robust LM tests, then LR and Wald tests of the SDM's reductions.

    The procedure of Elhorst (2010, section 4) and Elhorst (2014, ch. 2-3), described in the module
    docstring: robust LM tests on the non-spatial model; the SDM tested against the SAR
    (``H0: theta = 0``, LR and Wald) and against the SEM (``H0: theta + rho beta = 0``, LR and Wald); the
    SDM is kept when both reductions are rejected or the evidence is mixed. The LR statistic is
    ``2 (l_SDM - l_restricted) ~ chi2(k)`` and the Wald statistic ``g' (G V G')^-1 g ~ chi2(k)`` for the
    restriction ``g(params) = 0`` (k regressors with a W x term).

    Parameters
    ----------
    formula : str
        ``"y ~ x1 + x2"`` (formulaic syntax).
    data : DataFrame
        Cross-section (rows matched to ``w.ids`` through ``id`` or the index) or balanced long panel.
    w : Weights
        Spatial weights.
    id, entity, time : column names, optional
        As in :func:`spatialinno.sar`: ``id`` for a cross-section, ``entity`` and ``time`` for a panel.
    fixed_effects : {"entity", "time", "twoway", "none", "random"}, optional
        Panel effects of every model and of the LM tests (no LM tests with ``"random"``).
    bias_correction : {"lee-yu", "elhorst", "none"}
        Fixed-effects bias correction of the ML estimates.
    alpha : float
        Significance level of every test.
    models : sequence of str
        Candidate models (lower-case names). The test procedure needs ``sar``, ``sem`` and ``sdm``; with
        fewer (or other) candidates the lowest AIC decides.
    fits : mapping of str to SpatialResults, optional
        Candidates already estimated on the same formula, data and weights, by lower-case name; when given
        they are used as they are and ``models`` is ignored.
    missing : {"raise", "drop"}
        Rows with a NaN in a used column: ``"raise"`` names them; ``"drop"`` drops them from every fit and the
        LM tests (``choice.dropped`` lists them).

    Returns
    -------
    ModelChoice
        ``.chosen``, ``.steps`` (every test with statistic, df, p-value and verdict), ``.fits``, ``.reason``.
    """
    if not 0 < alpha < 1:
        raise SpatialInnoError(f"alpha must lie between 0 and 1 (got {alpha})")
    if fits is None:
        keys = [str(m).lower() for m in models]
        unknown = [m for m in keys if m not in CANDIDATES]
        if unknown or not keys:
            raise SpatialInnoError(f"unknown candidate model(s) {unknown or list(models)}; choose from "
                                   f"{', '.join(CANDIDATES)}")
        fitted = {m: fit(CANDIDATES[m], formula, data, w, id=id, entity=entity, time=time,
                         fixed_effects=fixed_effects, bias_correction=bias_correction, missing=missing)
                  for m in dict.fromkeys(keys)}
    else:
        fitted = {str(k).lower(): v for k, v in fits.items()}
        unknown = [m for m in fitted if m not in CANDIDATES]
        if unknown or not fitted:
            raise SpatialInnoError(f"fits must map candidate names ({', '.join(CANDIDATES)}) to fitted results "
                                   f"(got {unknown or 'none'})")
    rows: list[dict] = []
    lm_points_to = None
    if fixed_effects != "random":
        lm = lm_tests(formula, data, w, id=id, entity=entity, time=time, fixed_effects=fixed_effects,
                      missing=missing)
        lm_rows, lm_points_to = _lm_step(lm, alpha)
        rows += lm_rows
    if {"sdm", "sar", "sem"} <= set(fitted):
        sdm, sar, sem = fitted["sdm"], fitted["sar"], fitted["sem"]
        lr_sar, wd_sar = sdm.lr_test(sar), sdm.wald_test("theta=0")
        lr_sem, wd_sem = sdm.lr_test(sem), sdm.wald_test("common_factor")
        for name, t, h0 in (("LR SDM vs SAR", lr_sar, H0_SAR), ("Wald theta = 0", wd_sar, H0_SAR),
                            ("LR SDM vs SEM", lr_sem, H0_SEM), ("Wald common factor", wd_sem, H0_SEM)):
            rows.append({"test": name, "stage": "SDM reduction", "null hypothesis": h0,
                         "statistic": float(t["statistic"]), "df": int(t["df"]), "p_value": float(t["p_value"]),
                         "decision": _verdict(float(t["p_value"]), alpha)})
        key, reason = _decide(lr_sar, wd_sar, lr_sem, wd_sem, lm_points_to == "lag", lm_points_to == "error", alpha)
        rule = "tests"
    else:
        aic = {m: r.aic for m, r in fitted.items()}
        key = min(aic, key=lambda m: aic[m])
        reason = ("The SDM-to-SAR/SEM tests need all three of SAR, SEM and SDM among the candidates; the model with "
                  "the lowest AIC is chosen instead: " + ", ".join(f"{CANDIDATES[m]} {v:.2f}" for m, v in aic.items())
                  + ".")
        rule = "aic"
    for m, r in fitted.items():
        rows.append({"test": f"AIC {CANDIDATES[m]}", "stage": "AIC", "null hypothesis": "", "statistic": float(r.aic),
                     "df": int(r.df_model), "p_value": np.nan,
                     "decision": "lowest AIC" if rule == "aic" and m == key else ""})
    steps = pd.DataFrame(rows, columns=["test", *STEP_COLUMNS]).set_index("test")
    return ModelChoice(chosen=fitted[key], key=key, steps=steps, fits=dict(fitted), lm_points_to=lm_points_to,
                       rule=rule, reason=reason, alpha=float(alpha))
