"""Parametric bootstrap covariance of spatial ML estimates: re-estimation on data drawn from the fitted model.

Replicate r draws errors e* ~ N(0, sigma2_hat I) (parametric normal draws, not residual resampling), builds the
outcome from the reduced form of the fitted model, period by period,

    y*_t = A^-1 (X_t b + f_t + B^-1 e*_t),    A = I - rho W,  B = I - lambda W,

with (rho, lambda, b, sigma2) the estimates and f_t the estimated fixed effects (f = (A y - X b) minus its
within transformation: alpha + mu_i + xi_t; zero for cross-sections), keeps the regressors fixed, and re-fits
the same specification (model, Durbin terms, fixed effects, bias correction, log-determinant method). The
covariance is the sample covariance (ddof = 1) of the replicate estimates of (coefficients, spatial parameters,
sigma2) (Efron & Tibshirani 1993, ch. 6). Replicates whose fit fails (e.g. rho at the bound of its interval)
are counted, reported (``failures``, ``failure_messages``, a warning) and left out.

Replicate r uses ``numpy.random.default_rng(SeedSequence(seed).spawn(reps)[r])`` and runs with one BLAS
thread through :func:`spatialinno.parallel.run_tasks`, so the covariance is bit-identical serially, with
``n_jobs`` local processes and on a Dask ``client``.

Validity: because the errors are drawn normal, this is the parametric bootstrap of the Gaussian model; it
checks the asymptotic information-matrix inference in finite samples (e.g. the skewed sampling distribution
of rho near its bound), not robustness to non-normal errors (use ``cov_type="qml"`` for that) nor to
heteroskedasticity (spatial ML is then inconsistent: use ``si.gs2sls(..., robust=True)``). Random-effects
panels are not supported.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass

import numpy as np

from ..constants import BOOTSTRAP_REPS, DEFAULT_SEED
from ..errors import SpatialInnoError, SpatialInnoWarning
from ..parallel import resolve_n_jobs, run_tasks, spawn_seeds
from .covariance import Covariance, CovarianceError, covariance_for, register
from .data import Design
from .estimate import Estimate, make_estimate
from .information import SpatialOps
from .likelihood import Problem
from .panel_correction import elhorst_correction
from .spec import ModelSpec


@dataclass(frozen=True)
class BootstrapDGP:
    """The fitted model as a data-generating process, and how to re-fit it (sent once to every worker).

    Parameters
    ----------
    design : Design
        The aligned data of the fit (regressors kept fixed; the outcome is replaced).
    spec : ModelSpec
    durbin : list of str
        Regressors with W x terms.
    method : str
        Log-determinant method of the fit.
    bias_correction : str
        ``"none"``, ``"lee-yu"`` or ``"elhorst"``.
    systematic : ndarray
        X b + estimated fixed effects, stacked time-major.
    rho, lam, sigma2 : float
        Estimates used to draw the outcome.
    """

    design: Design
    spec: ModelSpec
    durbin: list[str]
    method: str
    bias_correction: str
    systematic: np.ndarray
    rho: float
    lam: float
    sigma2: float

    @classmethod
    def from_estimate(cls, estimate: Estimate) -> BootstrapDGP:
        """The data-generating process of a fit.

        Parameters
        ----------
        estimate : Estimate

        Returns
        -------
        BootstrapDGP
        """
        p = estimate.problem
        d = p.design
        Ay = d.y - estimate.rho * p.Wy_raw
        systematic = Ay - d.demean(Ay - p.X_raw @ estimate.beta)
        durbin = [name[2:] for name in p.names[len(d.names):]]
        method = p.logdet.method if p.logdet else "auto"
        bc = estimate.bias_correction or "none"
        return cls(d, p.spec, durbin, method, bc, systematic, estimate.rho, estimate.lam, estimate.sigma2)

    def draw(self, rng: np.random.Generator) -> np.ndarray:
        """One outcome y* from the reduced form with N(0, sigma2) errors.

        Parameters
        ----------
        rng : numpy.random.Generator

        Returns
        -------
        ndarray
            (n,), stacked time-major.
        """
        d = self.design
        ops = SpatialOps(d.w, self.rho, self.lam, False)
        E = rng.standard_normal((d.N, d.T)) * np.sqrt(self.sigma2)
        S = self.systematic.reshape(d.T, d.N).T
        return ops.Ainv(S + ops.Binv(E)).T.reshape(-1)

    def refit(self, y: np.ndarray) -> np.ndarray:
        """Re-estimate the specification on outcome ``y``: (coefficients, spatial parameters, sigma2).

        Parameters
        ----------
        y : ndarray
            (n,), stacked time-major.

        Returns
        -------
        ndarray
        """
        design = dataclasses.replace(self.design, y=y)
        problem = Problem(design, self.spec, self.durbin, self.method, self.bias_correction)
        rho, lam = problem.optimise()
        at = problem.at(rho, lam)
        est = make_estimate(problem, rho, lam, at["beta"], at["sigma2"], at["llf"], at["resid"])
        if self.bias_correction == "elhorst":
            est, _ = elhorst_correction(est, covariance_for("information", est))
        return np.concatenate([est.param_values, [est.sigma2]])


def bootstrap_replicate(dgp: BootstrapDGP, seed: np.random.SeedSequence) -> tuple[np.ndarray | None, str | None]:
    """One bootstrap replicate: draw, re-fit; a failed fit returns (None, message).

    Parameters
    ----------
    dgp : BootstrapDGP
    seed : numpy.random.SeedSequence
        The replicate's own seed.

    Returns
    -------
    (ndarray or None, str or None)
    """
    y = dgp.draw(np.random.default_rng(seed))
    try:
        return dgp.refit(y), None
    except (SpatialInnoError, np.linalg.LinAlgError) as exc:
        return None, f"{type(exc).__name__}: {exc}"


def check_reps(reps: object) -> int:
    """``bootstrap_reps`` as an int, or a :class:`CovarianceError` unless it is an integer >= 2.

    Parameters
    ----------
    reps : object

    Returns
    -------
    int
    """
    if isinstance(reps, bool) or not isinstance(reps, (int, np.integer)) or reps < 2:
        raise CovarianceError(f"bootstrap_reps must be an integer >= 2 (got {reps!r}); a covariance needs at least "
                              f"two replicates and reliable standard errors about {BOOTSTRAP_REPS}")
    return int(reps)


@register
class BootstrapCovariance(Covariance):
    """Covariance of parametric bootstrap re-estimates (module docstring), normal inference.

    Parameters
    ----------
    estimate : Estimate
    replicates : ndarray
        (successful replicates, parameters + 1) estimates of (coefficients, spatial parameters, sigma2).
    reps : int
        Replicates attempted.
    seed : int
        Root seed.
    failure_messages : list of (int, str)
        (replicate, error) of the failed replicates.
    """

    cov_type = "bootstrap"
    label = "parametric bootstrap re-estimation (normal errors)"

    def __init__(self, estimate: Estimate, replicates: np.ndarray, reps: int, seed: int,
                 failure_messages: list[tuple[int, str]]) -> None:
        self._replicates = np.array(replicates, dtype=float)
        self._replicates.setflags(write=False)
        self._reps, self._seed = int(reps), seed
        self._failures = tuple(failure_messages)
        super().__init__(estimate, np.atleast_2d(np.cov(self._replicates, rowvar=False, ddof=1)))

    @classmethod
    def for_estimate(cls, estimate: Estimate, base: Covariance | None = None, *, reps: int = BOOTSTRAP_REPS,
                     seed: int = DEFAULT_SEED, n_jobs: int = 1, client=None, progress: bool = False
                     ) -> BootstrapCovariance:
        """Run the bootstrap of ``estimate``.

        Parameters
        ----------
        estimate : Estimate
        base : Covariance, optional
            Not used (the replicates give the covariance).
        reps : int, default ``BOOTSTRAP_REPS``
            Replicates (>= 2).
        seed : int, default ``DEFAULT_SEED``
            Root seed; replicate r uses child r of ``SeedSequence(seed)``.
        n_jobs : int, default 1
            Local processes (-1: all cores).
        client : dask.distributed.Client, optional
            Run the replicates on this Dask cluster.
        progress : bool, default False
            tqdm progress bar.

        Returns
        -------
        BootstrapCovariance

        Raises
        ------
        CovarianceError
            ``reps`` < 2, random effects, or fewer than two replicates succeeded.
        """
        reps = check_reps(reps)
        resolve_n_jobs(n_jobs)
        if estimate.fixed_effects == "random":
            raise CovarianceError("cov_type='bootstrap' is not available for random-effects panels; use "
                                  "cov_type='information' (numerical Hessian)")
        dgp = BootstrapDGP.from_estimate(estimate)
        out = run_tasks(bootstrap_replicate, spawn_seeds(seed, reps), shared=dgp, n_jobs=n_jobs, client=client,
                        progress=progress, desc=f"bootstrap {estimate.spec.name}")
        ok = [draw for draw, _ in out if draw is not None]
        failures = [(r, msg) for r, (_, msg) in enumerate(out) if msg is not None]
        if len(ok) < 2:
            first = failures[0][1] if failures else ""
            raise CovarianceError(f"{len(failures)} of {reps} bootstrap replicates failed (first: {first}); the "
                                  f"bootstrap covariance needs at least two successful re-fits")
        if failures:
            warnings.warn(f"{len(failures)} of {reps} bootstrap replicates failed and are left out (first: "
                          f"{failures[0][1]}); see res.covariance.failure_messages", SpatialInnoWarning, stacklevel=4)
        return cls(estimate, np.stack(ok), reps, seed, failures)

    @property
    def replicates(self) -> np.ndarray:
        """Estimates of the successful replicates (rows) over (coefficients, spatial parameters, sigma2)."""
        return self._replicates

    @property
    def reps(self) -> int:
        """Replicates attempted."""
        return self._reps

    @property
    def seed(self) -> int:
        """Root seed of the replicates."""
        return self._seed

    @property
    def failures(self) -> int:
        """Number of failed replicates (left out of the covariance)."""
        return len(self._failures)

    @property
    def failure_messages(self) -> list[tuple[int, str]]:
        """(replicate, error message) of each failed replicate."""
        return list(self._failures)

    @property
    def name(self) -> str:
        """The label with the replicate count, failures and seed."""
        return f"{self.label}: {self._reps} replicates, {self.failures} failed, seed {self._seed}"
