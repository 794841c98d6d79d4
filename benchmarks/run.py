#!/usr/bin/env python
"""Timing spatialinno against spreg/esda (and R spatialreg when installed) on the same data, in one run.

    python benchmarks/run.py --quick            # N = 400, 2,500; 2 repeats; writes benchmarks/results_quick.md
    python benchmarks/run.py                    # N = 400, 2,500, 10,000, 40,000; 3 repeats; benchmarks/results.md
    python benchmarks/run.py --big              # also N = 100,000 (spatialinno only)
    options: --out FILE.md  --json  --repeats R  --no-r  --no-spreg  --only sar,sem,sdm,panel,moran,lisa,splu,dynamic
             --sizes 400,2500  --graphs queen,knn  --timeout 300  --mem-limit-gb 16  --profile N

Every measurement runs in a fresh subprocess (``run.py --worker SPEC``) so that peak memory (ru_maxrss of
that process, read with os.wait4) includes numpy/scipy/R and is not polluted by earlier measurements;
packages alternate run by run (repeat r starts with package r mod #packages); the table shows medians.
See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import importlib.util
import json
import os
import platform
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

HERE = Path(__file__).resolve().parent
R_SCRIPT = HERE / "spatialreg_fit.R"

RHO_TRUE = 0.5
BETA = np.array([1.0, -1.0])          # x1, x2
THETA = np.array([0.5, -0.3])         # W x1, W x2
INTERCEPT = 1.0
KNN_K = 6
PANEL_T = 10
PANEL_SIZES = (400, 2500)
#: the dynamic two-way SDM row (issue 14): N regions x PANEL_T periods
DYNAMIC_N = 2500
SPREG_ML_MAX = 40000                  # spreg ML (dense inverse for the information matrix) skipped at N >= this
SEED = 20240601
FORMULA = "y ~ x1 + x2"
MODELS = ("sar", "sem", "sdm")
#: spatialinno with each sparse backend: the default (SuperLU) and the optional accelerator (CHOLMOD supernodal
#: through cvxopt, GPL; only when installed and only on W with a symmetric form)
SI_PKGS = {"si": "scipy", "si-cholmod": "cholmod"}
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")


# =============================================================================================
# data
# =============================================================================================
def queen_lattice(side: int) -> sp.csr_matrix:
    """Binary queen contiguity of a side x side lattice (cells numbered row-major)."""
    n = side * side
    r, c = np.divmod(np.arange(n), side)
    rows, cols = [], []
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            if dr == 0 and dc == 0:
                continue
            rr, cc = r + dr, c + dc
            ok = (rr >= 0) & (rr < side) & (cc >= 0) & (cc < side)
            rows.append(np.flatnonzero(ok))
            cols.append(rr[ok] * side + cc[ok])
    rows, cols = np.concatenate(rows), np.concatenate(cols)
    return sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))


def knn_graph(n: int, k: int, rng: np.random.Generator) -> sp.csr_matrix:
    """Binary k-nearest-neighbour graph (asymmetric) on n uniform random points in the unit square."""
    from scipy.spatial import cKDTree

    pts = rng.random((n, 2))
    _, idx = cKDTree(pts).query(pts, k=k + 1)
    if not np.array_equal(idx[:, 0], np.arange(n)):
        raise RuntimeError("duplicate points in the k-NN simulation")
    rows = np.repeat(np.arange(n), k)
    return sp.csr_matrix((np.ones(n * k), (rows, idx[:, 1:].ravel())), shape=(n, n))


def row_normalise(C: sp.csr_matrix) -> sp.csr_matrix:
    rs = np.asarray(C.sum(axis=1)).ravel()
    return sp.csr_matrix(sp.diags(1.0 / rs) @ C)


def graph_for(graph: str, n_target: int, seed: int) -> sp.csr_matrix:
    if graph == "queen":
        return queen_lattice(round(np.sqrt(n_target)))
    if graph == "knn":
        return knn_graph(n_target, KNN_K, np.random.default_rng(seed))
    raise ValueError(graph)


def simulate_sdm(W: sp.csr_matrix, X: np.ndarray, rng, extra: np.ndarray | float = 0.0):
    from scipy.sparse.linalg import splu

    n = W.shape[0]
    mu = INTERCEPT + X @ BETA + (W @ X) @ THETA + extra + rng.standard_normal(n)
    A = sp.csc_matrix(sp.identity(n) - RHO_TRUE * W)
    return splu(A).solve(mu)


def make_cross_section(graph: str, n_target: int, root: Path) -> dict:
    """Simulate y = (I - 0.5 W)^-1 (1 + X b + W X t + e) on the graph; write npz (Python) and CSVs (R)."""
    gidx = {"queen": 1, "knn": 2}[graph]
    seed = SEED + 1000 * gidx + n_target
    C = graph_for(graph, n_target, seed)
    n = C.shape[0]
    W = row_normalise(C)
    rng = np.random.default_rng(seed + 7)
    X = rng.standard_normal((n, 2))
    y = simulate_sdm(W, X, rng)
    d = root / f"cs_{graph}_{n}"
    d.mkdir(parents=True, exist_ok=True)
    np.savez(d / "data.npz", data=C.data, indices=C.indices, indptr=C.indptr, n=n, y=y, x1=X[:, 0], x2=X[:, 1])
    np.savetxt(d / "data.csv", np.column_stack([y, X]), delimiter=",", header="y,x1,x2", comments="", fmt="%.17g")
    coo = C.tocoo()
    np.savetxt(d / "edges.csv", np.column_stack([coo.row + 1, coo.col + 1]), delimiter=",", header="i,j",
               comments="", fmt="%d")
    return {"dir": str(d), "n": n, "graph": graph, "nnz": int(C.nnz), "symmetric": bool(abs(C - C.T).nnz == 0)}


def make_panel(graph: str, n_target: int, T: int, root: Path) -> dict:
    """Two-way FE SDM panel: y_t = (I - 0.5 W)^-1 (X_t b + W X_t t + mu + alpha_t + e_t), stacked time-major."""
    gidx = {"queen": 1, "knn": 2}[graph]
    seed = SEED + 1000 * gidx + n_target
    C = graph_for(graph, n_target, seed)
    n = C.shape[0]
    W = row_normalise(C)
    rng = np.random.default_rng(seed + 11)
    Xs = rng.standard_normal((T, n, 2))
    mu = 0.5 * Xs[:, :, 0].mean(axis=0) + rng.standard_normal(n)
    alpha = 0.5 * rng.standard_normal(T)
    ys = np.stack([simulate_sdm(W, Xs[t], rng, mu + alpha[t] - INTERCEPT) for t in range(T)])
    d = root / f"panel_{graph}_{n}_{T}"
    d.mkdir(parents=True, exist_ok=True)
    np.savez(d / "data.npz", data=C.data, indices=C.indices, indptr=C.indptr, n=n, T=T, y=ys.ravel(),
             x1=Xs[:, :, 0].ravel(), x2=Xs[:, :, 1].ravel())
    return {"dir": str(d), "n": n, "graph": graph, "T": T, "nnz": int(C.nnz)}


# =============================================================================================
# worker side (runs in a fresh subprocess)
# =============================================================================================
def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


class _Emitter:
    def __init__(self, path: str) -> None:
        self.path = path

    def __call__(self, **kw) -> None:
        kw["rss_mb"] = _maxrss_mb()
        with open(self.path, "a") as f:
            f.write(json.dumps(kw, default=_jsonable) + "\n")


def _jsonable(o):
    if isinstance(o, (np.floating, np.integer)):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)


def _load(spec: dict):
    z = np.load(Path(spec["dir"]) / "data.npz")
    n = int(z["n"])
    C = sp.csr_matrix((z["data"], z["indices"], z["indptr"]), shape=(n, n))
    return C, z


def _si_weights(C):
    import spatialinno as si

    return si.Weights.from_sparse(C, ids=np.arange(C.shape[0]), normalization="row")


def _pysal_w(C):
    from libpysal.weights import W

    w = W.from_sparse(sp.csr_matrix(C))
    w.transform = "r"
    return w


class _Counters:
    """Counts log-determinant evaluations (LogDet.__call__) and sparse LU factorisations in spatialinno."""

    def __init__(self) -> None:
        self.ld_calls = 0
        self.ld_time = 0.0
        self.ld_setup = 0.0
        self.splu_calls = 0
        self.splu_time = 0.0
        try:
            from spatialinno.models import logdet as ldmod

            orig = ldmod.LogDet.__call__

            def wrapped(obj, *a, **k):
                t0 = time.perf_counter()
                try:
                    return orig(obj, *a, **k)
                finally:
                    self.ld_calls += 1
                    self.ld_time += time.perf_counter() - t0

            ldmod.LogDet.__call__ = wrapped
            orig_init = ldmod.LogDet.__init__

            def wrapped_init(obj, *a, **k):
                t0 = time.perf_counter()
                try:
                    return orig_init(obj, *a, **k)
                finally:
                    self.ld_setup += time.perf_counter() - t0

            ldmod.LogDet.__init__ = wrapped_init
            self.ld_ok = True
        except Exception:  # structure changed: report what we can
            self.ld_ok = False
        import scipy.sparse.linalg as spla

        orig_splu = spla.splu

        def splu(*a, **k):
            t0 = time.perf_counter()
            try:
                return orig_splu(*a, **k)
            finally:
                self.splu_calls += 1
                self.splu_time += time.perf_counter() - t0

        spla.splu = splu
        self.chol_calls = 0
        try:
            from cvxopt import cholmod
        except ImportError:
            return
        orig_numeric = cholmod.numeric

        def numeric(*a, **k):
            try:
                return orig_numeric(*a, **k)
            finally:
                self.chol_calls += 1

        cholmod.numeric = numeric

    def snapshot(self) -> dict:
        return {"logdet_calls": self.ld_calls if self.ld_ok else None, "logdet_time": self.ld_time,
                "logdet_setup_time": self.ld_setup,
                "splu_calls": self.splu_calls, "splu_time": self.splu_time, "cholmod_calls": self.chol_calls,
                "factorisations": self.splu_calls + self.chol_calls}


def _extra(res) -> dict:
    out = {}
    for k, v in getattr(res, "extra", {}).items():
        if isinstance(v, (int, float, str, bool, np.integer, np.floating)):
            out[k] = v
    try:
        out["logdet_method"] = res.logdet_method
        out["logdet_label"] = res.estimate.logdet_label
    except AttributeError:
        pass
    return out


def _one_factorisation(w, rho: float) -> float | None:
    """Median time of one exact sparse log-determinant (the fit's unit of work: LU of I - r S in the order the
    fit found for W, plus log|diag U|) at three points near the estimate; None when the fit used eigenvalues."""
    from spatialinno.constants import EIGEN_MAX
    from spatialinno.models.logdet import LogDet

    if w.n <= EIGEN_MAX:
        return None
    ld = LogDet(w, "sparse")
    ts = []
    for r in (rho - 2e-3, rho + 2e-3, rho + 4e-3):
        t0 = time.perf_counter()
        ld(r)
        ts.append(time.perf_counter() - t0)
    return float(np.median(ts))


def worker_dynamic(spec: dict, emit) -> None:
    C, z = _load(spec)
    n, T = int(z["n"]), int(z["T"])
    import pandas as pd

    import spatialinno as si

    w = _si_weights(C)
    df = pd.DataFrame({"entity": np.tile(np.arange(n), T), "time": np.repeat(np.arange(T), n),
                       "y": z["y"], "x1": z["x1"], "x2": z["x2"]})
    cnt = _Counters()
    emit(step="ready")
    t0 = time.perf_counter()
    res = si.sdm(FORMULA, df, w, entity="entity", time="time", fixed_effects="twoway", dynamic="both")
    emit(step="fit", time=time.perf_counter() - t0, rho=float(res.rho), **cnt.snapshot())
    for horizon in ("short", "long"):
        before = cnt.snapshot()
        t0 = time.perf_counter()
        res.impacts(method="simulation", draws=1000, horizon=horizon)
        after = cnt.snapshot()
        emit(step=f"impacts_{horizon}", time=time.perf_counter() - t0,
             logdet_calls=(after["logdet_calls"] or 0) - (before["logdet_calls"] or 0),
             splu_calls=after["splu_calls"] - before["splu_calls"])


def worker_cs(spec: dict, emit) -> None:
    C, z = _load(spec)
    y, x1, x2 = z["y"], z["x1"], z["x2"]
    model, pkg = spec["model"], spec["pkg"]
    if pkg in SI_PKGS:
        import pandas as pd

        import spatialinno as si

        w = _si_weights(C)
        df = pd.DataFrame({"y": y, "x1": x1, "x2": x2}, index=w.ids)
        cnt = _Counters()
        emit(step="ready")
        t0, c0 = time.perf_counter(), time.process_time()
        res = getattr(si, model)(FORMULA, df, w)
        t, c = time.perf_counter() - t0, time.process_time() - c0
        rho = res.lambda_ if model == "sem" else res.rho
        emit(step="fit", time=t, cpu=c, rho=float(rho), llf=float(res.llf), extra=_extra(res), **cnt.snapshot())
        emit(step="one_factorisation", time=_one_factorisation(w, float(rho)))
        if model == "sdm" and spec.get("impacts"):
            t0 = time.perf_counter()
            imp = res.impacts(method="simulation", draws=1000)
            t = time.perf_counter() - t0
            e = imp["estimate"]
            emit(step="impacts_sim", time=t, direct_x1=float(e[("x1", "direct")]),
                 indirect_x1=float(e[("x1", "indirect")]), total_x1=float(e[("x1", "total")]),
                 se_total_x1=float(imp["std_error"][("x1", "total")]))
    elif pkg == "spreg":
        import spreg

        w = _pysal_w(C)
        X = np.column_stack([x1, x2])
        Y = y.reshape(-1, 1)
        emit(step="ready")
        t0, c0 = time.perf_counter(), time.process_time()
        if model == "sar":
            reg = spreg.ML_Lag(Y, X, w=w, method="LU")
        elif model == "sdm":
            reg = spreg.ML_Lag(Y, X, w=w, slx_lags=1, method="LU")
        else:
            reg = spreg.ML_Error(Y, X, w=w, method="LU")
        t, c = time.perf_counter() - t0, time.process_time() - c0
        rho = reg.lam if model == "sem" else reg.rho
        emit(step="fit", time=t, cpu=c, rho=float(np.ravel(rho)[0]), llf=float(np.ravel(reg.logll)[0]))
        if model == "sdm" and spec.get("impacts"):
            import pandas as pd
            from spreg.output import _summary_impacts
            from spreg.sputils import _sp_effects

            # ML_Lag's summary step replaces reg.output by the printed table; rebuild the variable frame that
            # the constructor passed to _summary_impacts (constant, x, W x, rho).
            frame = pd.DataFrame({"var_names": reg.name_x, "var_type": ["o"] + ["x"] * 2 + ["wx"] * 2 + ["rho"],
                                  "regime": 0, "equation": 0})
            printed, reg.output = reg.output, frame
            variables = frame[frame["var_type"] == "x"]
            for variant in spec.get("spreg_impacts", ("simple", "full", "power")):
                if variant == "full" and w.n > spec.get("spreg_full_max", 10 ** 9):
                    emit(step=f"impacts_{variant}", skipped=f"dense inverse skipped at N = {w.n}")
                    continue
                t0 = time.perf_counter()
                mult, _ = _summary_impacts(reg, w, variant, 1, "All")
                t = time.perf_counter() - t0
                adi, aii, ati = mult[variant]
                btot, bdir, bind = _sp_effects(reg, variables, {"adi": adi, "aii": aii, "ati": ati}, 1, "All")
                emit(step=f"impacts_{variant}", time=t, direct_x1=float(np.ravel(bdir)[0]),
                     indirect_x1=float(np.ravel(bind)[0]), total_x1=float(np.ravel(btot)[0]))
            reg.output = printed
    else:
        raise ValueError(pkg)


def worker_panel(spec: dict, emit) -> None:
    C, z = _load(spec)
    n, T = int(z["n"]), int(z["T"])
    y, x1, x2 = z["y"], z["x1"], z["x2"]
    if spec["pkg"] in SI_PKGS:
        import pandas as pd

        import spatialinno as si

        w = _si_weights(C)
        df = pd.DataFrame({"entity": np.tile(np.arange(n), T), "time": np.repeat(np.arange(T), n),
                           "y": y, "x1": x1, "x2": x2})
        cnt = _Counters()
        emit(step="ready")
        t0, c0 = time.perf_counter(), time.process_time()
        res = si.sdm(FORMULA, df, w, entity="entity", time="time", fixed_effects="twoway")
        t, c = time.perf_counter() - t0, time.process_time() - c0
        emit(step="fit", time=t, cpu=c, rho=float(res.rho), llf=float(res.llf), bias_correction=res.bias_correction,
             extra=_extra(res), **cnt.snapshot())
        t0 = time.perf_counter()
        imp = res.impacts(method="simulation", draws=1000)
        t = time.perf_counter() - t0
        emit(step="impacts_sim", time=t, total_x1=float(imp["estimate"][("x1", "total")]))
        # untimed: exact ML of the dummy-variable model, the convention spreg's ML_LagFE uses (n_eff = NT, T logdets)
        r0 = si.sdm(FORMULA, df, w, entity="entity", time="time", fixed_effects="twoway", bias_correction="none")
        emit(step="fit_none", rho=float(r0.rho), llf=float(r0.llf))
    elif spec["pkg"] == "spreg":
        import spreg

        w = _pysal_w(C)
        emit(step="ready")
        t0, c0 = time.perf_counter(), time.process_time()
        # spreg's ML_LagFE has entity effects only. Two-way: add T - 1 period dummies, not spatially lagged.
        # (Time-demeaning y and x first is NOT equivalent: W (x_t - mean(x_t)) = W x_t - mean(x_t) differs from
        # W x_t - mean(W x_t) by a period constant that entity effects do not absorb, unless W is doubly
        # stochastic.) spat_impacts=None: with a slx_vars list, ML_LagFE's impacts raise a broadcasting error
        # in spreg 1.9 (and impacts of period dummies would be meaningless anyway).
        D = (np.repeat(np.arange(T), n)[:, None] == np.arange(1, T)[None, :]).astype(float)
        reg = spreg.ML_LagFE(y.reshape(-1, 1), np.column_stack([x1, x2, D]), w, slx_lags=1,
                             slx_vars=[True, True] + [False] * (T - 1), spat_impacts=None)
        t, c = time.perf_counter() - t0, time.process_time() - c0
        emit(step="fit", time=t, cpu=c, rho=float(np.ravel(reg.rho)[0]), llf=float(np.ravel(reg.logll)[0]))
    else:
        raise ValueError(spec["pkg"])


def worker_moran(spec: dict, emit) -> None:
    C, z = _load(spec)
    y = np.asarray(z["y"], dtype=float)
    kind, pkg = spec["kind"], spec["pkg"]
    if pkg == "si":
        import spatialinno as si

        numba_version = None
        w = _si_weights(C)
        f = (lambda: si.moran(y, w, permutations=999)) if kind == "moran" else \
            (lambda: si.local_moran(y, w, permutations=999))
    else:
        import esda

        try:
            import numba

            numba_version = numba.__version__
        except ImportError:
            numba_version = None
        w = _pysal_w(C)
        f = (lambda: esda.Moran(y, w, permutations=999)) if kind == "moran" else \
            (lambda: esda.Moran_Local(y, w, permutations=999, seed=12345))
    emit(step="ready")
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        r = f()
        times.append(time.perf_counter() - t0)
    if kind == "moran":
        stat = float(r.I)
    else:
        stat = np.asarray(r["Ii"] if pkg == "si" else r.Is, dtype=float)
        np.save(Path(spec["result"]).with_suffix(".Ii.npy"), stat)
        stat = float(stat.sum())
    emit(step="moran", cold=times[0], warm=float(np.median(times[1:])), stat=stat,
         numba=numba_version if pkg != "si" else None)


def worker_splu(spec: dict, emit) -> None:
    import scipy.sparse.linalg as spla

    C, _ = _load(spec)
    n = C.shape[0]
    W = sp.csc_matrix(row_normalise(C))
    eye = sp.identity(n, format="csc")
    out = {}

    def med5(fn):
        ts = []
        for _ in range(5):
            t0 = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - t0)
        return float(np.median(ts))

    A = sp.csc_matrix(eye - 0.5 * W)
    out["plain"] = med5(lambda: spla.splu(A))
    if abs(C - C.T).nnz == 0:     # symmetric form D^-1/2 C D^-1/2, as spatialinno's LogDet uses
        rs = np.asarray(C.sum(axis=1)).ravel()
        S = sp.diags(1 / np.sqrt(rs)) @ C @ sp.diags(1 / np.sqrt(rs))
        M = sp.csc_matrix(eye - 0.5 * S)
    else:
        M = A
    out["symmetric_mmd"] = med5(lambda: spla.splu(M, permc_spec="MMD_AT_PLUS_A", options={"SymmetricMode": True}))
    emit(step="splu", **out)


def worker_profile(spec: dict, emit) -> None:
    import cProfile
    import io
    import pstats

    import pandas as pd

    import spatialinno as si

    C, z = _load(spec)
    w = _si_weights(C)
    df = pd.DataFrame({"y": z["y"], "x1": z["x1"], "x2": z["x2"]}, index=w.ids)
    pr = cProfile.Profile()
    t0 = time.perf_counter()
    pr.enable()
    res = si.sdm(FORMULA, df, w)
    pr.disable()
    t = time.perf_counter() - t0
    s = io.StringIO()
    pstats.Stats(pr, stream=s).sort_stats("cumulative").print_stats(15)
    emit(step="profile", time=t, rho=float(res.rho), text=s.getvalue())


def worker_main(spec_path: str) -> None:
    spec = json.loads(Path(spec_path).read_text())
    if spec.get("extra_path"):
        sys.path.insert(0, spec["extra_path"])
    emit = _Emitter(spec["result"])
    try:
        import scale

        {"cs": worker_cs, "panel": worker_panel, "moran": worker_moran, "splu": worker_splu,
         "profile": worker_profile, "dynamic": worker_dynamic, **scale.WORKERS}[spec["task"]](spec, emit)
    except MemoryError:
        emit(step="error", error="MemoryError")
        sys.exit(3)
    except Exception as exc:  # recorded in the table
        emit(step="error", error=f"{type(exc).__name__}: {exc}"[:300])
        sys.exit(4)


# =============================================================================================
# parent side
# =============================================================================================
class Runner:
    def __init__(self, args, tmp: Path) -> None:
        self.args = args
        self.tmp = tmp
        self.counter = 0
        self.mem_limit = int(args.mem_limit_gb * 1024 ** 3) if args.mem_limit_gb else None
        self.env = dict(os.environ)
        if args.threads:
            for k in THREAD_VARS:
                self.env[k] = str(args.threads)
        self.loads: list[float] = []

    def _spawn(self, cmd: list[str], timeout: float, tag: str, env: dict | None = None) -> dict:
        """Run cmd in its own session; return wall time, ru_maxrss of that child (os.wait4), status."""
        self.counter += 1
        base = self.tmp / f"run{self.counter:05d}_{tag}"
        lim = self.mem_limit

        def pre():
            if lim:
                resource.setrlimit(resource.RLIMIT_AS, (lim, lim))

        load = os.getloadavg()[0]
        with open(f"{base}.out", "w") as fo, open(f"{base}.err", "w") as fe:
            t0 = time.perf_counter()
            p = subprocess.Popen(cmd, stdout=fo, stderr=fe, preexec_fn=pre, start_new_session=True,
                                 cwd=str(HERE.parent), env=env or self.env)
            timed_out = threading.Event()

            def kill():
                timed_out.set()
                try:
                    os.killpg(p.pid, signal.SIGKILL)    # the child's own process group (start_new_session)
                except ProcessLookupError:
                    pass

            timer = threading.Timer(timeout, kill)
            timer.start()
            _, status, ru = os.wait4(p.pid, 0)
            wall = time.perf_counter() - t0
            timer.cancel()
            p.returncode = os.waitstatus_to_exitcode(status)
        self.loads.append(load)
        return {"wall": wall, "maxrss_mb": ru.ru_maxrss / 1024.0, "returncode": p.returncode, "loadavg1": load,
                "timed_out": timed_out.is_set(), "stdout": f"{base}.out", "stderr": f"{base}.err"}

    def python(self, spec: dict, timeout: float) -> dict:
        if self.args.extra_pythonpath and spec.get("pkg") != "si":
            spec = dict(spec, extra_path=self.args.extra_pythonpath)
        tag = "_".join(str(spec.get(k, "")) for k in ("task", "pkg", "model", "kind", "graph", "n") if spec.get(k))
        res_path = self.tmp / f"res{self.counter + 1:05d}_{tag}.jsonl"
        spec = dict(spec, result=str(res_path))
        spec_path = self.tmp / f"spec{self.counter + 1:05d}.json"
        spec_path.write_text(json.dumps(spec))
        env = dict(self.env, SPATIALINNO_SOLVER=SI_PKGS.get(spec.get("pkg", "si"), "scipy"))
        info = self._spawn([sys.executable, str(Path(__file__).resolve()), "--worker", str(spec_path)], timeout, tag,
                           env)
        steps = {}
        if res_path.exists():
            for line in res_path.read_text().splitlines():
                d = json.loads(line)
                steps[d["step"]] = d
        info["steps"] = steps
        info["result_path"] = str(res_path)
        info["status"] = _status(info, steps)
        if info["status"] not in ("ok",) and not info["timed_out"]:
            info["stderr_tail"] = Path(info["stderr"]).read_text()[-1500:]
        return info

    def r(self, data_dir: str, model: str, impacts: bool, timeout: float) -> dict:
        info = self._spawn(["Rscript", str(R_SCRIPT), data_dir, model, "1" if impacts else "0"], timeout,
                           f"R_{model}")
        vals = {}
        for line in Path(info["stdout"]).read_text().splitlines():
            if line.startswith("RESULT "):
                parts = line.split()
                if len(parts) >= 3:
                    try:
                        vals[parts[1]] = float(parts[2])
                    except ValueError:
                        vals[parts[1]] = parts[2]
        info["values"] = vals
        if info["timed_out"]:
            info["status"] = "timeout"
        elif "done" not in vals:
            err = Path(info["stderr"]).read_text()
            info["stderr_tail"] = err[-1500:]
            info["status"] = "MemoryError" if ("cannot allocate" in err or "memory" in err.lower()) else "R error"
        else:
            info["status"] = "ok"
        return info


def _status(info: dict, steps: dict) -> str:
    if info["timed_out"]:
        return "timeout"
    if "error" in steps:
        return "MemoryError" if steps["error"]["error"].startswith("MemoryError") else "error"
    if info["returncode"] != 0:
        return f"killed (signal {-info['returncode']})" if info["returncode"] < 0 else f"exit {info['returncode']}"
    return "ok"


def r_available() -> tuple[bool, str]:
    if shutil.which("Rscript") is None:
        return False, "R not installed"
    try:
        out = subprocess.run(["Rscript", "-e", 'suppressPackageStartupMessages(library(spatialreg)); '
                              'cat(R.version$major, R.version$minor, as.character(packageVersion("spatialreg")), '
                              'as.character(packageVersion("spdep")), as.character(packageVersion("Matrix")))'],
                             capture_output=True, text=True, timeout=120)
    except Exception as exc:
        return False, f"R not usable ({exc})"
    if out.returncode != 0:
        return False, "R not installed (spatialreg does not load)"
    p = out.stdout.split()
    return True, f"R {p[0]}.{p[1]}, spatialreg {p[2]}, spdep {p[3]}, Matrix {p[4]}"


def machine_info() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 1024 ** 2:.1f} GiB"
    except OSError:
        pass
    threads = {k: os.environ[k] for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS") if k in os.environ}
    return {"nproc": os.cpu_count(), "cpu": cpu, "ram": ram, "python": platform.python_version(),
            "platform": platform.platform(), "thread_env": threads or "unset (library defaults)",
            "loadavg_start": os.getloadavg()}


def versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for p in ("spatialinno", "spreg", "esda", "libpysal", "numpy", "scipy", "pandas", "numba", "cvxopt", "dask",
              "distributed"):
        try:
            out[p] = version(p)
        except PackageNotFoundError:
            out[p] = "not installed"
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="N = 400 and 2,500 only, 2 repeats")
    ap.add_argument("--big", action="store_true", help="add N = 100,000 (spatialinno only)")
    ap.add_argument("--out", default=None, help="Markdown output (default benchmarks/results.md, "
                    "benchmarks/results_quick.md with --quick)")
    ap.add_argument("--json", action="store_true", help="also write all raw measurements as JSON next to --out")
    ap.add_argument("--repeats", type=int, default=None, help="runs per cell (default 3; 2 with --quick)")
    ap.add_argument("--no-r", action="store_true")
    ap.add_argument("--no-spreg", action="store_true", help="skip spreg and esda")
    ap.add_argument("--no-accelerator", action="store_true",
                    help="default backend only (otherwise spatialinno also runs with CHOLMOD when cvxopt is installed)")
    ap.add_argument("--only", default=None, help="comma list of sar,sem,sdm,panel,moran,lisa,splu,dynamic (impacts = sdm), "
                    "and the scale workloads million, fepanel, study (not run by default; see scale.py)")
    ap.add_argument("--sizes", default=None, help="comma list of N overriding the mode's sizes")
    ap.add_argument("--graphs", default="queen,knn")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds per fit subprocess (SDM with impacts: 2x)")
    ap.add_argument("--mem-limit-gb", type=float, default=16.0, help="RLIMIT_AS per subprocess (0 = none)")
    ap.add_argument("--profile", type=int, default=None, metavar="N",
                    help="also cProfile one spatialinno SDM fit on the queen lattice at N")
    ap.add_argument("--threads", type=int, default=1,
                    help="BLAS/OpenMP/numba threads for every subprocess (default 1; 0 = library defaults)")
    ap.add_argument("--extra-pythonpath", default=None, metavar="DIR",
                    help="prepend DIR to sys.path in the spreg/esda subprocesses only (e.g. a directory where numba "
                         "was pip-installed with --target, so esda runs with its JIT as most users have it)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary data/log directory")
    ap.add_argument("--render", default=None, metavar="FILE.json",
                    help="only re-render the Markdown report (--out) from a JSON file written by --json")
    ap.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        worker_main(args.worker)
        return
    if args.render:
        src = Path(args.render)
        dst = Path(args.out) if args.out else src.with_suffix(".md")
        dst.write_text(render(json.loads(src.read_text())))
        print(f"wrote {dst}")
        return

    sizes = [400, 2500] if args.quick else [400, 2500, 10000, 40000]
    if args.big:
        sizes.append(100000)
    if args.sizes:
        sizes = [int(s) for s in args.sizes.split(",")]
    repeats = args.repeats or (2 if args.quick else 3)
    # each esda local-Moran process pays numba's compile (~20 s); --quick keeps one run per Moran cell
    moran_repeats = args.repeats or (1 if args.quick else 3)
    out = Path(args.out or (HERE / ("results_quick.md" if args.quick else "results.md")))
    only = set(args.only.replace("impacts", "sdm").split(",")) if args.only else \
        {"sar", "sem", "sdm", "panel", "moran", "lisa", "splu", "dynamic"}
    graphs = args.graphs.split(",")
    use_spreg = not args.no_spreg
    use_cholmod = not args.no_accelerator and importlib.util.find_spec("cvxopt") is not None
    args.use_cholmod = use_cholmod
    if args.no_r:
        use_r, r_info = False, "R skipped (--no-r)"
    else:
        use_r, r_info = r_available()

    tmp = Path(tempfile.mkdtemp(prefix="si_bench_"))
    runner = Runner(args, tmp)
    started = _dt.datetime.now()
    if args.extra_pythonpath:
        sys.path.insert(0, args.extra_pythonpath)   # so versions() sees numba where the esda workers will
    meta = {"machine": machine_info(), "versions": versions(), "r": r_info, "date": started.isoformat(timespec="seconds"),
            "sizes": sizes, "repeats": repeats, "moran_repeats": moran_repeats, "graphs": graphs, "timeout": args.timeout,
            "mem_limit_gb": args.mem_limit_gb, "threads": args.threads, "command": " ".join([Path(sys.argv[0]).name] + sys.argv[1:])}
    results = {"meta": meta, "cs": [], "panel": [], "moran": [], "splu": [], "profile": None, "dynamic": []}

    def log(msg):
        print(f"[{time.perf_counter() - t_start:7.1f}s] {msg}", flush=True)

    def save():
        meta["loadavg_end"] = os.getloadavg()
        if runner.loads:
            meta["loadavg_runs"] = [min(runner.loads), statistics.median(runner.loads), max(runner.loads)]
        meta["elapsed_s"] = time.perf_counter() - t_start
        out.write_text(render(results))
        if args.json:
            out.with_suffix(".json").write_text(json.dumps(results, indent=1, default=_jsonable))

    t_start = time.perf_counter()
    try:
        # ------------------------------------------------------------------ data
        data = {}
        for n in (sizes if only & {"sar", "sem", "sdm", "moran", "lisa", "splu"} else []):
            for g in graphs:
                data[(g, n)] = make_cross_section(g, n, tmp)
                log(f"data {g} N={data[(g, n)]['n']}")
        # ------------------------------------------------------------------ splu
        if "splu" in only:
            for n in sizes:
                for g in graphs:
                    info = runner.python({"task": "splu", "graph": g, "n": n, "dir": data[(g, n)]["dir"]}, args.timeout)
                    results["splu"].append({"graph": g, "n": data[(g, n)]["n"], "status": info["status"],
                                            **info["steps"].get("splu", {})})
                    log(f"splu {g} {n}: {info['status']}")
            save()
        # ------------------------------------------------------------------ cross-section models
        for n in sizes:
            for g in graphs:
                d = data.get((g, n))
                for model in (MODELS if d else ()):
                    if model not in only:
                        continue
                    cell = {"model": model, "graph": g, "n": d["n"], "runs": {}, "skipped": {}}
                    pkgs = ["si"] + (["si-cholmod"] if use_cholmod and d["symmetric"] else [])
                    if use_spreg:
                        if n >= SPREG_ML_MAX:
                            cell["skipped"]["spreg"] = "skipped: spreg ML builds a dense N x N inverse " \
                                                       "(MemoryError at N = 40,000 in PERFORMANCE.md)"
                        else:
                            pkgs.append("spreg")
                    else:
                        cell["skipped"]["spreg"] = "--no-spreg"
                    if use_r and n <= 40000:
                        pkgs.append("R")
                    elif use_r:
                        cell["skipped"]["R"] = "spatialinno only at this N"
                    else:
                        cell["skipped"]["R"] = r_info
                    impacts = model == "sdm"
                    tmo = args.timeout * (2 if impacts else 1)
                    for p in pkgs:
                        cell["runs"][p] = []
                    for rep in range(repeats):
                        order = pkgs[rep % len(pkgs):] + pkgs[:rep % len(pkgs)]
                        for p in order:
                            prev = cell["runs"][p]
                            if prev and prev[-1]["status"] in ("timeout", "MemoryError") or \
                                    (prev and prev[-1]["status"].startswith("killed")):
                                continue        # do not repeat a runaway
                            if p == "R":
                                info = runner.r(d["dir"], model, impacts, tmo)
                            else:
                                spec = {"task": "cs", "pkg": p, "model": model, "graph": g, "n": d["n"],
                                        "dir": d["dir"], "impacts": impacts,
                                        "spreg_full_max": 10000}
                                info = runner.python(spec, tmo)
                            info["order"] = order.index(p)
                            cell["runs"][p].append(info)
                            log(f"{model} {g} N={d['n']} rep {rep + 1} {p}: {info['status']} "
                                f"{_fit_time(p, info) if info['status'] == 'ok' else ''}")
                    results["cs"].append(cell)
                    save()
        # ------------------------------------------------------------------ panel
        if "panel" in only:
            for n in [s for s in sizes if s in PANEL_SIZES]:
                g = "queen"
                d = make_panel(g, n, PANEL_T, tmp)
                cell = {"graph": g, "n": d["n"], "T": PANEL_T, "runs": {}, "skipped": {}}
                pkgs = ["si"] + (["spreg"] if use_spreg else [])
                for p in pkgs:
                    cell["runs"][p] = []
                for rep in range(repeats):
                    order = pkgs[rep % len(pkgs):] + pkgs[:rep % len(pkgs)]
                    for p in order:
                        info = runner.python({"task": "panel", "pkg": p, "graph": g, "n": d["n"], "dir": d["dir"]},
                                             args.timeout * 2)
                        cell["runs"][p].append(info)
                        log(f"panel {g} N={d['n']} T={PANEL_T} rep {rep + 1} {p}: {info['status']}")
                results["panel"].append(cell)
                save()
        # ------------------------------------------------------------------ dynamic two-way SDM (issue 14)
        if "dynamic" in only:
            d = make_panel("queen", DYNAMIC_N, PANEL_T, tmp)
            cell = {"graph": "queen", "n": d["n"], "T": PANEL_T, "runs": []}
            for rep in range(repeats):
                info = runner.python({"task": "dynamic", "pkg": "si", "graph": "queen", "n": d["n"],
                                      "dir": d["dir"]}, args.timeout * 2)
                cell["runs"].append(info)
                log(f"dynamic queen N={d['n']} T={PANEL_T} rep {rep + 1}: {info['status']}")
            results["dynamic"].append(cell)
            save()
        # ------------------------------------------------------------------ Moran / LISA
        for kind in ("moran", "lisa"):
            if kind not in only:
                continue
            for n in sizes:
                for g in graphs:
                    d = data.get((g, n))
                    if d is None:
                        continue
                    pkgs = ["si"] + (["esda"] if use_spreg and n <= 40000 else [])
                    cell = {"kind": kind, "graph": g, "n": d["n"], "runs": {p: [] for p in pkgs}}
                    for rep in range(moran_repeats):
                        order = pkgs[rep % len(pkgs):] + pkgs[:rep % len(pkgs)]
                        for p in order:
                            info = runner.python({"task": "moran", "kind": "moran" if kind == "moran" else "local",
                                                  "pkg": p, "graph": g, "n": d["n"], "dir": d["dir"]}, args.timeout)
                            cell["runs"][p].append(info)
                            log(f"{kind} {g} N={d['n']} rep {rep + 1} {p}: {info['status']}")
                    # agreement of local Ii
                    if kind == "lisa" and len(pkgs) == 2:
                        try:
                            a = np.load(Path(cell["runs"]["si"][0]["result_path"]).with_suffix(".Ii.npy"))
                            b = np.load(Path(cell["runs"]["esda"][0]["result_path"]).with_suffix(".Ii.npy"))
                            cell["max_abs_diff_Ii"] = float(np.max(np.abs(a - b)))
                            # esda divides by sum(z^2)/(n-1), spatialinno by m2 = sum(z^2)/n (Anselin 1995)
                            nn = len(a)
                            cell["max_rel_diff_Ii_rescaled"] = float(np.max(np.abs(a * (nn - 1) / nn - b))
                                                                     / np.max(np.abs(b)))
                        except Exception as exc:
                            cell["max_abs_diff_Ii"] = f"n/a ({exc})"
                    results["moran"].append(cell)
                    save()
        # ------------------------------------------------------------------ scale (scale.py)
        import scale

        scale.run_sections(runner, only, results, args, log, save, tmp)
        # ------------------------------------------------------------------ profile
        if args.profile:
            d = make_cross_section("queen", args.profile, tmp)
            info = runner.python({"task": "profile", "pkg": "si", "graph": "queen", "n": d["n"], "dir": d["dir"]},
                                 args.timeout * 2)
            prof = info["steps"].get("profile", {})
            results["profile"] = {"n": d["n"], "status": info["status"], "time": prof.get("time"),
                                  "text": prof.get("text", info.get("stderr_tail", ""))}
            log(f"profile N={d['n']}: {info['status']}")
    finally:
        save()
        log(f"wrote {out}")
        if args.keep:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def _fit_time(p: str, info: dict):
    if p == "R":
        return f"{info['values'].get('fit_time', float('nan')):.3f}s"
    return f"{info['steps'].get('fit', {}).get('time', float('nan')):.3f}s"


# =============================================================================================
# rendering
# =============================================================================================
def _fmt_t(v) -> str:
    if v is None:
        return "-"
    if isinstance(v, str):
        return v
    if v >= 100:
        return f"{v:.0f}"
    if v >= 10:
        return f"{v:.1f}"
    if v >= 1:
        return f"{v:.2f}"
    if v >= 0.01:
        return f"{v:.3f}"
    return f"{v:.4f}"


def _fmt_e(v) -> str:
    if v is None:
        return "-"
    if isinstance(v, str):
        return v
    return f"{v:.1e}"


def _fmt_mb(v) -> str:
    if v is None:
        return "-"
    return f"{v:,.0f}"


def _ratio(a, b) -> str:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and b > 0:
        r = a / b
        return f"{r:.0f}x" if r >= 100 else f"{r:.1f}x" if r >= 1 else f"{r:.2f}x"
    return "-"


def _step(run: dict, step: str, key: str):
    return run.get("steps", {}).get(step, {}).get(key)


def _cell_py(runs: list[dict] | None, step: str, key: str = "time"):
    """(median value or status string, median peak RSS MB, first successful run)."""
    if not runs:
        return None, None, None
    ok = [r for r in runs if r["status"] == "ok" and _step(r, step, key) is not None]
    if not ok:
        bad = [r["status"] for r in runs if r["status"] != "ok"]
        if not bad:
            s = [_step(r, step, "skipped") for r in runs]
            return (s[0] if s and s[0] else "-"), None, None
        return bad[0], statistics.median([r["maxrss_mb"] for r in runs]), None
    return (statistics.median([_step(r, step, key) for r in ok]), statistics.median([r["maxrss_mb"] for r in ok]),
            ok[0])


def _cell_r(runs: list[dict] | None, key: str):
    if not runs:
        return None, None, None
    ok = [r for r in runs if r["status"] == "ok" and key in r["values"]]
    if not ok:
        return runs[0]["status"], None, None
    return statistics.median([r["values"][key] for r in ok]), statistics.median([r["maxrss_mb"] for r in ok]), ok[0]


def render(results: dict) -> str:
    m = results["meta"]
    mi, v = m["machine"], m["versions"]
    L = []
    L.append("# spatialinno benchmarks: spatialinno vs spreg / esda / R spatialreg\n")
    L.append(f"- Command: `python benchmarks/{m['command']}`; date {m['date']}; elapsed "
             f"{m.get('elapsed_s', 0) / 60:.1f} min; {m['repeats']} repeat(s) per cell"
             + (f" ({m['moran_repeats']} for Moran/LISA cells)" if m.get("moran_repeats", m["repeats"]) != m["repeats"]
                else "") + ".")
    L.append(f"- Machine: {mi['nproc']} CPUs ({mi['cpu']}), {mi['ram']} RAM; {mi['platform']}; Python {mi['python']}; "
             f"BLAS: numpy/scipy use OpenBLAS, R the reference BLAS/LAPACK.")
    thr = m.get("threads")
    lr = m.get("loadavg_runs")
    L.append("- Threads: " + (f"every subprocess runs with {'/'.join(THREAD_VARS)} = {thr} (`--threads {thr}`; "
             "on this shared machine multi-threaded OpenBLAS spin-waits when other jobs hold the cores, which made "
             "the same N = 400 SAR fit take 0.08 s with 1 thread and 0.4-1.9 s with 2)" if thr else
             f"library defaults (`--threads 0`; environment: {mi['thread_env']})") + ".")
    L.append("- Machine load (1-min load average; other jobs share this machine): "
             + (f"min / median / max {lr[0]:.1f} / {lr[1]:.1f} / {lr[2]:.1f} over the {m['repeats']}-repeat runs"
                if lr else "n/a") + f" on {mi['nproc']} CPUs.")
    L.append("- Versions: " + ", ".join(f"{k} {val}" for k, val in v.items()) + f"; {m['r']}.")
    L.append(f"- Limits per subprocess: timeout {m['timeout']:.0f} s (2x for SDM + impacts and panels), address space "
             f"{m['mem_limit_gb']:.0f} GB.")
    L.append("""
**How to read.** Every number is the median over the repeats of one measurement taken in a fresh
subprocess; the packages alternate run by run (repeat r starts with a different package), all on
the same simulated data (written once to disk, loaded by each process). *Time* is the wall time of
the estimator call only (no import, no data loading, no weights construction); for R it is
`system.time()` around `lagsarlm`/`errorsarlm` only, and *R proc* is the wall time of the whole
`Rscript` process (R start-up, library loading, reading the CSVs, building the listw, fitting,
impacts). *Peak MB* is `ru_maxrss` of that subprocess (the whole process: interpreter, numpy/scipy,
data, the fit); for SDM rows the process also ran the impacts, so its peak covers both.
*spreg/si* > 1 means spatialinno is faster. *|Δrho|*, *|Δllf|* compare the point estimates
(spatial parameter, maximised log-likelihood, same constant terms in all packages).
Data: y = (I - 0.5 W)^-1 (1 + x1 - x2 + 0.5 W x1 - 0.3 W x2 + e), x1, x2, e ~ N(0, 1), W the
row-normalised queen lattice (sqrt(N) x sqrt(N)) or 6-nearest-neighbour graph on uniform random
points (asymmetric). spreg uses `method="LU"`; R uses `method="Matrix"` (sparse Cholesky) on the
symmetric-similar queen W and `method="LU"` on the asymmetric k-NN W.
""")
    # ---------------------------------------------------------------- models
    sdm = [c for c in results["cs"] if c["model"] == "sdm"]
    if results["cs"]:
        L.append("## Cross-section ML: SAR, SEM, SDM\n")
        L.append("*spatialinno s* uses the default backend (SuperLU); *si CHOLMOD s* the optional accelerator (CHOLMOD "
                 "supernodal via cvxopt, `spatialinno[fast]`, GPL) where installed and W has a symmetric form; "
                 "*\\|Δrho\\| backends* compares the two.\n")
        L.append("| model | W | N | spatialinno s | si CHOLMOD s | spreg s | R fit s | R proc s | spreg/si | R/si "
                 "| R/si CHOLMOD | peak MB si / spreg / R | \\|Δrho\\| si-spreg | \\|Δllf\\| si-spreg | \\|Δrho\\| si-R "
                 "| \\|Δllf\\| si-R | \\|Δrho\\| backends |")
        L.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|")
        notes = []
        for c in results["cs"]:
            runs = c["runs"]
            ts, ms, s0 = _cell_py(runs.get("si"), "fit")
            tc, _, c0 = _cell_py(runs.get("si-cholmod"), "fit")
            tp, mp, p0 = _cell_py(runs.get("spreg"), "fit")
            tr, mr, r0 = _cell_r(runs.get("R"), "fit_time")
            drb = abs(_step(s0, "fit", "rho") - _step(c0, "fit", "rho")) if s0 and c0 else None
            tproc = statistics.median([r["wall"] for r in runs["R"] if r["status"] == "ok"]) \
                if runs.get("R") and any(r["status"] == "ok" for r in runs["R"]) else None
            if tp is None and "spreg" in c["skipped"]:
                tp = "skipped"
                notes.append(f"{c['model'].upper()} {c['graph']} N = {c['n']:,}: spreg {c['skipped']['spreg']}")
            if tr is None and "R" in c["skipped"]:
                tr = "skipped" if "not installed" not in c["skipped"]["R"] else "R not installed"
            drs = dls = drr = dlr = None
            if s0 and p0:
                drs = abs(_step(s0, "fit", "rho") - _step(p0, "fit", "rho"))
                dls = abs(_step(s0, "fit", "llf") - _step(p0, "fit", "llf"))
            if s0 and r0:
                drr = abs(_step(s0, "fit", "rho") - r0["values"]["rho"])
                dlr = abs(_step(s0, "fit", "llf") - r0["values"]["llf"])
            L.append(f"| {c['model'].upper()} | {c['graph']} | {c['n']:,} | {_fmt_t(ts)} | {_fmt_t(tc)} | {_fmt_t(tp)} | "
                     f"{_fmt_t(tr)} | {_fmt_t(tproc)} | {_ratio(tp, ts)} | {_ratio(tr, ts)} | {_ratio(tr, tc)} | "
                     f"{_fmt_mb(ms)} / {_fmt_mb(mp)} / {_fmt_mb(mr)} | {_fmt_e(drs)} | {_fmt_e(dls)} | {_fmt_e(drr)} | "
                     f"{_fmt_e(dlr)} | {_fmt_e(drb)} |")
            for p in ("si", "si-cholmod", "spreg", "R"):
                for r in runs.get(p, []):
                    if r["status"] != "ok":
                        notes.append(f"{c['model'].upper()} {c['graph']} N = {c['n']:,} {p}: {r['status']}"
                                     + (f" ({_short_err(r)})" if _short_err(r) else ""))
                        break
        if notes:
            L.append("")
            L += [f"- {s}" for s in dict.fromkeys(notes)]
        # ------------------------------------------------------------ impacts
        if sdm:
            L.append("\n## SDM impacts (direct / indirect / total)\n")
            L.append("spatialinno: `res.impacts(method=\"simulation\", draws=1000)` (LeSage-Pace effects with simulated "
                     "standard errors and intervals). spreg: `ML_Lag(..., slx_lags=1)` computes impacts inside the "
                     "constructor with `spat_impacts=\"simple\"` (default; included in the fit time above); "
                     "`\"full\"` (dense inverse) and `\"power\"` (powers of W) timed separately by calling the same "
                     "routine (`spreg.output._summary_impacts`) on the fitted model; **spreg gives point estimates only, "
                     "no standard errors**. R: `trW(W, type=\"MC\")` then `impacts(fit, tr=, R=1000)` + "
                     "`summary(zstats=TRUE)`. Δtotal/Δdirect: |spatialinno - spreg \"full\"| for x1 (total should "
                     "agree; spreg attributes all of θ to the indirect effect, so its direct effect misses "
                     "θ tr((I-ρW)^-1 W)/n).\n")
            L.append("| W | N | si sim 1000 s | spreg simple s | spreg full s | spreg power s | R trW MC s | R impacts s "
                     "| full/si | Δtotal x1 si-full | Δdirect x1 si-full | Δtotal x1 si-R |")
            L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
            for c in sdm:
                runs = c["runs"]
                ti, _, s0 = _cell_py(runs.get("si"), "impacts_sim")
                tsim, _, _ = _cell_py(runs.get("spreg"), "impacts_simple")
                tfull, _, f0 = _cell_py(runs.get("spreg"), "impacts_full")
                tpow, _, _ = _cell_py(runs.get("spreg"), "impacts_power")
                ttr, _, _ = _cell_r(runs.get("R"), "trW_time")
                timp, _, r0 = _cell_r(runs.get("R"), "impacts_time")
                if "spreg" in c["skipped"] and tfull is None:
                    tsim = tfull = tpow = "skipped"
                dt = dd = dtr = None
                if s0 and f0:
                    dt = abs(_step(s0, "impacts_sim", "total_x1") - _step(f0, "impacts_full", "total_x1"))
                    dd = abs(_step(s0, "impacts_sim", "direct_x1") - _step(f0, "impacts_full", "direct_x1"))
                if s0 and r0 and "total_x1" in r0["values"]:
                    dtr = abs(_step(s0, "impacts_sim", "total_x1") - r0["values"]["total_x1"])
                L.append(f"| {c['graph']} | {c['n']:,} | {_fmt_t(ti)} | {_fmt_t(tsim)} | {_fmt_t(tfull)} | "
                         f"{_fmt_t(tpow)} | {_fmt_t(ttr)} | {_fmt_t(timp)} | {_ratio(tfull, ti)} | {_fmt_e(dt)} | "
                         f"{_fmt_e(dd)} | {_fmt_e(dtr)} |")
    # ---------------------------------------------------------------- headline: SDM fit + impacts
    if sdm:
        L.append("\n## Headline: SDM fit + 1,000-draw impacts, spatialinno (both backends) vs R spatialreg\n")
        L.append("spatialinno: fit + `impacts(method=\"simulation\", draws=1000)`; R: `lagsarlm(type=\"mixed\", "
                 "method=\"Matrix\")` + `trW(type=\"MC\")` + `impacts(R=1000)` (each timed inside its process, "
                 "medians over the repeats). Acceptance (issue 20): R / si >= 5x with the accelerator, >= 2.5x "
                 "without, at N = 10,000.\n")
        L.append("| W | N | si SuperLU s | si CHOLMOD s | R s | R / si SuperLU | R / si CHOLMOD |")
        L.append("|---|---:|---:|---:|---:|---:|---:|")
        for c in sdm:
            runs = c["runs"]

            def total(pkg, runs=runs):
                fit, _, _ = _cell_py(runs.get(pkg), "fit")
                imp, _, _ = _cell_py(runs.get(pkg), "impacts_sim")
                return fit + imp if isinstance(fit, float) and isinstance(imp, float) else None

            rvals = [r["values"] for r in runs.get("R", []) if r["status"] == "ok"]
            tr = statistics.median([v["fit_time"] + v.get("trW_time", 0.0) + v.get("impacts_time", 0.0)
                                    for v in rvals]) if rvals else None
            a, b = total("si"), total("si-cholmod")
            L.append(f"| {c['graph']} | {c['n']:,} | {_fmt_t(a)} | {_fmt_t(b)} | {_fmt_t(tr)} | {_ratio(tr, a)} | "
                     f"{_ratio(tr, b)} |")
    # ---------------------------------------------------------------- work per fit
    work = [c for c in results["cs"] if c["runs"].get("si")]
    if work:
        L.append("\n## Work per spatialinno fit: factorisations and the floor\n")
        L.append("*factorisations* = sparse factorisations during the fit (scipy `splu` and cvxopt "
                 "`cholmod.numeric` calls, counted by wrappers; CHOLMOD's symbolic analysis, once per W, is not a "
                 "factorisation); *log-dets* = exact log-determinant calls (memoised values included); *one* = "
                 "median time of one exact log-determinant by the same backend (numeric factorisation of I - r S "
                 "with the fit's symbolic analysis + the log-diagonal) measured in the same process after the fit; "
                 "*floor ratio* = fit time / (factorisations x one).\n")
        L.append("| model | W | N | backend | fit s | factorisations | log-dets | one s | floor ratio |")
        L.append("|---|---|---:|---|---:|---:|---:|---:|---:|")
        for c in work:
            for pkg, backend in SI_PKGS.items():
                ts, _, s0 = _cell_py(c["runs"].get(pkg), "fit")
                if not s0:
                    continue
                nf = _step(s0, "fit", "factorisations")
                nf = _step(s0, "fit", "splu_calls") if nf is None else nf
                nld = _step(s0, "fit", "logdet_calls")
                ones = [r["steps"]["one_factorisation"]["time"] for r in c["runs"][pkg]
                        if r["status"] == "ok" and r["steps"].get("one_factorisation", {}).get("time") is not None]
                one = statistics.median(ones) if ones else None
                ratio = f"{ts / (nf * one):.2f}" if one and nf and isinstance(ts, float) else "-"
                label = s0["steps"]["fit"].get("extra", {}).get("logdet_label") or backend
                L.append(f"| {c['model'].upper()} | {c['graph']} | {c['n']:,} | {label} | {_fmt_t(ts)} | {nf} | "
                         f"{nld} | {_fmt_t(one)} | {ratio} |")
    # ---------------------------------------------------------------- dynamic
    if results.get("dynamic"):
        L.append("\n## Dynamic two-way SDM panel (issue 14)\n")
        L.append("`si.sdm(..., entity=, time=, fixed_effects=\"twoway\", dynamic=\"both\")` on the static two-way "
                 "panel data of the next section (so the dynamic coefficients are near zero; the work does not "
                 "depend on their values), then `impacts(method=\"simulation\", draws=1000, horizon=...)`. "
                 "*log-dets* = exact log-determinant calls, *LU* = sparse factorisations (0 when N <= 1,500 uses "
                 "eigenvalues).\n")
        L.append("| W | N | T | fit s | fit log-dets / LU | short-run impacts s | log-dets / LU | long-run impacts s "
                 "| log-dets / LU |")
        L.append("|---|---:|---:|---:|---|---:|---|---:|---|")
        for c in results["dynamic"]:
            ts, _, s0 = _cell_py(c["runs"], "fit")
            tsh, _, _ = _cell_py(c["runs"], "impacts_short")
            tlo, _, _ = _cell_py(c["runs"], "impacts_long")
            if not s0:
                L.append(f"| {c['graph']} | {c['n']:,} | {c['T']} | failed: {_short_err(c['runs'][0])} | | | | | |")
                continue

            def wk(step, run=s0):
                return f"{_step(run, step, 'logdet_calls')} / {_step(run, step, 'splu_calls')}"

            L.append(f"| {c['graph']} | {c['n']:,} | {c['T']} | {_fmt_t(ts)} | {wk('fit')} | {_fmt_t(tsh)} | "
                     f"{wk('impacts_short')} | {_fmt_t(tlo)} | {wk('impacts_long')} |")
    # ---------------------------------------------------------------- panel
    if results["panel"]:
        L.append("\n## Two-way fixed-effects SDM panel (T = 10)\n")
        L.append("spatialinno: `si.sdm(..., entity=, time=, fixed_effects=\"twoway\")` (default Lee-Yu bias correction) "
                 "then `impacts(method=\"simulation\", draws=1000)`. Nearest spreg peer: `spreg.ML_LagFE(y, [x1, x2, "
                 "D_2..D_T], w, slx_lags=1, slx_vars=[True, True, False, ...], spat_impacts=None)`: ML_LagFE has "
                 "entity effects only, so the period effects enter as T - 1 dummies without W-lags (time-demeaning "
                 "y and x first is not equivalent: it leaves period constants in W y and W x that entity effects "
                 "do not absorb; and with a `slx_vars` list, ML_LagFE's impacts fail with a broadcasting error in "
                 "spreg 1.9, hence `spat_impacts=None`: spreg has no panel impacts here). "
                 "(The older `spreg.Panel_FE_Lag` has no Durbin terms and is deprecated in favour of `ML_LagFE`.) "
                 "spreg maximises the dummy-variable likelihood (n = NT, T log-determinants), so Δrho/Δllf compare "
                 "it with spatialinno's `bias_correction=\"none\"` fit (untimed); Lee-Yu rho is shown for reference. "
                 "R: spatialreg has no panel estimators (splm not installed).\n")
        L.append("| W | N | T | si fit s | si impacts s | spreg ML_LagFE s | spreg/si (fit) | peak MB si / spreg | "
                 "rho si (Lee-Yu) | rho si (none) | rho spreg | \\|Δrho\\| | \\|Δllf\\| |")
        L.append("|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|")
        for c in results["panel"]:
            runs = c["runs"]
            ts, ms, s0 = _cell_py(runs.get("si"), "fit")
            ti, _, _ = _cell_py(runs.get("si"), "impacts_sim")
            tp, mp, p0 = _cell_py(runs.get("spreg"), "fit")
            rly = rn = rp = dr = dl = None
            if s0:
                rly = _step(s0, "fit", "rho")
                rn = _step(s0, "fit_none", "rho")
            if p0:
                rp = _step(p0, "fit", "rho")
            if s0 and p0 and rn is not None:
                dr = abs(rn - rp)
                dl = abs(_step(s0, "fit_none", "llf") - _step(p0, "fit", "llf"))
            L.append(f"| {c['graph']} | {c['n']:,} | {c['T']} | {_fmt_t(ts)} | {_fmt_t(ti)} | {_fmt_t(tp)} | "
                     f"{_ratio(tp, ts)} | {_fmt_mb(ms)} / {_fmt_mb(mp)} | {_num(rly)} | {_num(rn)} | {_num(rp)} | "
                     f"{_fmt_e(dr)} | {_fmt_e(dl)} |")
    # ---------------------------------------------------------------- Moran
    if results["moran"]:
        L.append("\n## Moran's I and local Moran (LISA), 999 permutations\n")
        nb = None
        for c in results["moran"]:
            for r in c["runs"].get("esda", []):
                nb = nb or _step(r, "moran", "numba")
        jit = (f"for esda's `Moran_Local` this includes numba {nb}'s JIT compilation, which esda does not cache on "
               "disk" if nb else "numba is NOT importable in the esda subprocesses, so esda runs its pure-Python "
               "fallback and has no JIT cost; see `--extra-pythonpath`")
        L.append("Each subprocess calls the function three times: *cold* = first call in the process (" + jit + "), "
                 "*warm* = median of calls 2-3. spatialinno: `si.moran` / `si.local_moran` (numpy, no JIT); esda: `Moran` / "
                 "`Moran_Local(seed=12345)`. Agreement: |ΔI| (global) or max |ΔI_i| (local; esda scales I_i by "
                 "(n-1)/Σz², spatialinno by n/Σz² as in Anselin 1995 with m2 = Σz²/n, so they differ by the factor "
                 "n/(n-1); *rescaled* is the max relative difference after removing it); permutation p-values "
                 "differ by design (different random streams).\n")
        L.append("| statistic | W | N | si cold s | si warm s | esda cold s | esda warm s | esda/si warm | esda/si cold "
                 "| peak MB si / esda | agreement |")
        L.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|")
        for c in results["moran"]:
            runs = c["runs"]
            sc, ms, s0 = _cell_py(runs.get("si"), "moran", "cold")
            sw, _, _ = _cell_py(runs.get("si"), "moran", "warm")
            ec, me, e0 = _cell_py(runs.get("esda"), "moran", "cold")
            ew, _, _ = _cell_py(runs.get("esda"), "moran", "warm")
            if "esda" not in runs:
                ec = ew = "spatialinno only"
            agree = None
            if c["kind"] == "lisa":
                agree = c.get("max_abs_diff_Ii")
                if isinstance(agree, float) and isinstance(c.get("max_rel_diff_Ii_rescaled"), float):
                    agree = f"{agree:.1e} (rescaled: {c['max_rel_diff_Ii_rescaled']:.0e})"
            elif s0 and e0:
                agree = abs(_step(s0, "moran", "stat") - _step(e0, "moran", "stat"))
            name = "Moran's I" if c["kind"] == "moran" else "local Moran"
            L.append(f"| {name} | {c['graph']} | {c['n']:,} | {_fmt_t(sc)} | {_fmt_t(sw)} | {_fmt_t(ec)} | {_fmt_t(ew)} | "
                     f"{_ratio(ew, sw)} | {_ratio(ec, sc)} | {_fmt_mb(ms)} / {_fmt_mb(me)} | {_fmt_e(agree)} |")
    # ---------------------------------------------------------------- splu
    if results["splu"]:
        L.append("\n## Time per sparse factorisation\n")
        L.append("Median of 5 `scipy.sparse.linalg.splu` calls at rho = 0.5: *plain* = `splu(I - rho W)` with "
                 "defaults (COLAMD); *symmetric form* = what spatialinno's sparse log-determinant factorises: "
                 "I - rho D^-1/2 C D^-1/2 (queen; for the asymmetric k-NN W, I - rho W) with `MMD_AT_PLUS_A` and "
                 "`SymmetricMode`.\n")
        L.append("| W | N | plain ms | symmetric form ms |")
        L.append("|---|---:|---:|---:|")
        for s in results["splu"]:
            if s.get("status") != "ok":
                L.append(f"| {s['graph']} | {s['n']:,} | {s.get('status')} | |")
                continue
            L.append(f"| {s['graph']} | {s['n']:,} | {s['plain'] * 1e3:.1f} | {s['symmetric_mmd'] * 1e3:.1f} |")
        splu_map = {(s["graph"], s["n"]): s for s in results["splu"] if s.get("status") == "ok"}
        rows = []
        for c in results["cs"]:
            _, _, s0 = _cell_py(c["runs"].get("si"), "fit")
            if not s0:
                continue
            st = s0["steps"]["fit"]
            ts, _, _ = _cell_py(c["runs"].get("si"), "fit")
            if not isinstance(ts, (int, float)):
                continue
            sp_ = splu_map.get((c["graph"], c["n"]))
            method = st.get("extra", {}).get("logdet_method", "?")
            ldc = st.get("logdet_calls")
            est = ldc * sp_["symmetric_mmd"] if (sp_ and ldc is not None and method == "sparse") else None
            rows.append(f"| {c['model'].upper()} | {c['graph']} | {c['n']:,} | {method} | "
                        f"{_fmt_t(st.get('logdet_setup_time'))} | {ldc if ldc is not None else '?'} | "
                        f"{_fmt_t(st.get('logdet_time'))} | {_fmt_t(est)} | {st.get('splu_calls')} | "
                        f"{_fmt_t(st.get('splu_time'))} | {_fmt_t(ts)} | "
                        f"{100 * (st.get('logdet_time', 0) + st.get('logdet_setup_time', 0)) / st['time']:.0f}% |")
        if rows:
            L.append("\n### Log-determinant evaluations vs total fit time (spatialinno)\n")
            L.append("Counted in the benchmark subprocess by wrapping `spatialinno.models.logdet.LogDet.__call__` and "
                     "`scipy.sparse.linalg.splu` (all factorisations, including those for the information matrix); *setup* "
                     "is `LogDet.__init__` (admissible interval of rho, eigenvalues or symmetric form). "
                     "*evals x t(splu)* multiplies the count by the symmetric-form factorisation time above (sparse "
                     "method only; the eigenvalue method costs one dense eigen-solve, then O(N) per evaluation). "
                     "Timings from the first successful run.\n")
            L.append("| model | W | N | logdet method | setup s | logdet evals | time in evals s | evals x t(splu) s "
                     "| splu calls | time in splu s | fit s (median) | logdet share |")
            L.append("|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
            L += rows
    import scale

    L += scale.render(results, _fmt_t, _fmt_mb)
    if results.get("profile"):
        p = results["profile"]
        L.append(f"\n## cProfile of one spatialinno SDM fit (queen, N = {p['n']:,}; {_fmt_t(p.get('time'))} s under "
                 f"the profiler; status {p['status']})\n")
        L.append("```")
        L.append((p.get("text") or "").strip())
        L.append("```")
    return "\n".join(L) + "\n"


def _num(x) -> str:
    return "-" if x is None else f"{x:.6f}"


def _short_err(r: dict) -> str:
    e = r.get("steps", {}).get("error", {}).get("error")
    if e:
        return e[:160]
    t = r.get("stderr_tail", "")
    return t.strip().splitlines()[-1][:160] if t.strip() else ""


if __name__ == "__main__":
    main()
