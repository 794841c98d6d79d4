"""Scale workloads of ``benchmarks/run.py`` (issue 20): N = 1,000,000, a large two-way FE panel, a simulation study.

    python benchmarks/run.py --only million            # lattice SDM fit + local Moran (999) at N = 1,000,000
    python benchmarks/run.py --only fepanel            # two-way FE SDM panel N = 10,000 x T = 20, fit + impacts
    python benchmarks/run.py --only study              # 200-replicate simulate_study: serial vs LocalCluster(2)

Workers run in fresh subprocesses through run.py's Runner (peak RSS = ru_maxrss of that process); the
million-region fit uses the default backend (SuperLU) and the exact sparse log-determinant.
"""

from __future__ import annotations

import os
import statistics
import time

import numpy as np

#: side of the N = 1,000,000 queen lattice
MILLION_SIDE = 1000
#: the large two-way panel: queen lattice of FEPANEL_N regions x FEPANEL_T periods
FEPANEL_N, FEPANEL_T = 10000, 20
#: the simulation study: SDM on a STUDY_SIDE x STUDY_SIDE queen lattice, STUDY_REPS replicates
STUDY_SIDE, STUDY_REPS = 30, 200
STUDY_PARAMS = {"rho": 0.4, "Intercept": 1.0, "x1": 1.0, "x2": -1.0, "W_x1": 0.5, "W_x2": -0.3, "sigma2": 1.0}


def _million_data(seed: int):
    """Row-normalised queen lattice (1000 x 1000) and y = (I - 0.5 W)^-1 (1 + X b + W X t + e) by the Neumann
    series (80 terms: 0.5^80 < 1e-24), so that making the data needs no factorisation."""
    import pandas as pd
    from run import BETA, INTERCEPT, RHO_TRUE, THETA, queen_lattice

    import spatialinno as si

    C = queen_lattice(MILLION_SIDE)
    n = C.shape[0]
    w = si.Weights.from_sparse(C, pd.RangeIndex(n), normalization="row", kind="queen lattice 1000 x 1000")
    W = w.sparse
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 2))
    mu = INTERCEPT + X @ BETA + (W @ X) @ THETA + rng.standard_normal(n)
    y, term = mu.copy(), mu
    for _ in range(80):
        term = RHO_TRUE * (W @ term)
        y += term
    return w, pd.DataFrame({"y": y, "x1": X[:, 0], "x2": X[:, 1]}, index=w.ids)


def worker_million(spec: dict, emit) -> None:
    """``kind="fit"``: exact sparse SDM fit; ``kind="lisa"``: local Moran with 999 permutations."""
    from run import FORMULA, _Counters, _extra

    import spatialinno as si

    w, df = _million_data(spec["seed"])
    if spec["kind"] == "fit":
        cnt = _Counters()
        emit(step="ready", loadavg=os.getloadavg()[0])
        t0 = time.perf_counter()
        res = si.sdm(FORMULA, df, w, method="sparse")
        emit(step="fit", time=time.perf_counter() - t0, rho=float(res.rho), llf=float(res.llf),
             se_rho=float(res.bse["rho"]), extra=_extra(res), loadavg=os.getloadavg()[0], **cnt.snapshot())
    else:
        emit(step="ready", loadavg=os.getloadavg()[0])
        t0 = time.perf_counter()
        out = si.local_moran(df["y"], w, permutations=999, seed=12345)
        emit(step="lisa", time=time.perf_counter() - t0, significant=int((out["p_sim"] < 0.05).sum())
             if "p_sim" in out else None, loadavg=os.getloadavg()[0])


def worker_study(spec: dict, emit) -> None:
    """200-replicate SDM study serial, then on a LocalCluster of 2 single-threaded workers; equality checked."""
    import pandas as pd
    from run import queen_lattice

    import spatialinno as si

    C = queen_lattice(STUDY_SIDE)
    w = si.Weights.from_sparse(C, pd.RangeIndex(C.shape[0]), normalization="row")
    kw = {"reps": STUDY_REPS, "seed": spec["seed"], "progress": False}
    emit(step="ready", loadavg=os.getloadavg()[0])
    t0 = time.perf_counter()
    serial = si.simulate_study("sdm", w, STUDY_PARAMS, **kw)
    emit(step="serial", time=time.perf_counter() - t0, loadavg=os.getloadavg()[0])
    from dask.distributed import Client, LocalCluster

    t0 = time.perf_counter()
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        t_start = time.perf_counter() - t0
        t0 = time.perf_counter()
        dist = si.simulate_study("sdm", w, STUDY_PARAMS, client=client, **kw)
        t = time.perf_counter() - t0
    same = bool(serial.equals(dist))
    emit(step="cluster", time=t, startup=t_start, identical=same, loadavg=os.getloadavg()[0],
         max_abs_diff=float(np.nanmax(np.abs(serial.to_numpy(float) - dist.to_numpy(float)))))


WORKERS = {"million": worker_million, "study": worker_study}


def run_sections(runner, only: set, results: dict, args, log, save, tmp) -> None:
    """Run the scale workloads named in ``only`` (``million``, ``fepanel``, ``study``), recording into results."""
    from run import SEED, make_panel

    reps = args.repeats or 1
    if "million" in only:
        cells = [("fit", "si"), ("lisa", "si")] + ([("fit", "si-cholmod")] if getattr(args, "use_cholmod", False)
                                                   else [])
        for kind, pkg in cells:
            cell = {"kind": kind, "pkg": pkg, "n": MILLION_SIDE ** 2, "runs": []}
            for rep in range(reps):
                info = runner.python({"task": "million", "pkg": pkg, "kind": kind, "n": MILLION_SIDE ** 2,
                                      "seed": SEED + 77}, args.timeout * 2)
                cell["runs"].append(info)
                log(f"million {kind} rep {rep + 1}: {info['status']} {info['steps'].get(kind, {}).get('time', '')}")
            results.setdefault("million", []).append(cell)
            save()
    if "fepanel" in only:
        d = make_panel("queen", FEPANEL_N, FEPANEL_T, tmp)
        pkgs = ["si"] + (["si-cholmod"] if getattr(args, "use_cholmod", False) else [])
        cell = {"n": d["n"], "T": FEPANEL_T, "runs": {p: [] for p in pkgs}}
        for rep in range(reps):
            for p in pkgs[rep % len(pkgs):] + pkgs[:rep % len(pkgs)]:
                info = runner.python({"task": "panel", "pkg": p, "graph": "queen", "n": d["n"], "dir": d["dir"]},
                                     args.timeout * 2)
                cell["runs"][p].append(info)
                log(f"fepanel N={d['n']} T={FEPANEL_T} rep {rep + 1} {p}: {info['status']}")
        results.setdefault("fepanel", []).append(cell)
        save()
    if "study" in only:
        cell = {"n": STUDY_SIDE ** 2, "reps": STUDY_REPS, "runs": []}
        for rep in range(reps):
            info = runner.python({"task": "study", "pkg": "si", "n": STUDY_SIDE ** 2, "seed": SEED + 5},
                                 args.timeout * 4)
            cell["runs"].append(info)
            log(f"study rep {rep + 1}: {info['status']}")
        results.setdefault("study", []).append(cell)
        save()


def _ok(runs: list[dict], step: str) -> list[dict]:
    return [r["steps"][step] for r in runs if r["status"] == "ok" and step in r["steps"]]


def _med(vals: list) -> float | None:
    vals = [v for v in vals if isinstance(v, (int, float))]
    return statistics.median(vals) if vals else None


def render(results: dict, fmt_t, fmt_mb) -> list[str]:
    """Markdown sections of the scale workloads (empty when none ran)."""
    L: list[str] = []
    if results.get("million"):
        L.append("\n## N = 1,000,000 (default backend; the accelerator for comparison)\n")
        L.append(f"Queen lattice {MILLION_SIDE} x {MILLION_SIDE}, row-normalised, data as above (y by the Neumann "
                 "series). *SDM fit*: `si.sdm(\"y ~ x1 + x2\", df, w, method=\"sparse\")` with the exact sparse "
                 "log-determinant on the default backend (SuperLU; `SPATIALINNO_SOLVER=scipy`); *local Moran*: "
                 "`si.local_moran(y, w, permutations=999)`. *Peak MB* = ru_maxrss of the subprocess (data, W, the "
                 "factors). *load* = 1-minute load average at the start / end of the timed call (2 CPUs, shared). "
                 "Targets (issue 20): each under 60 s, the fit under 8 GB.\n")
        L.append("| workload | N | s | factorisations | peak MB | load start / end | status |")
        L.append("|---|---:|---:|---:|---:|---|---|")
        for c in results["million"]:
            step = c["kind"]
            ok = _ok(c["runs"], step)
            t = _med([s["time"] for s in ok])
            mb = _med([r["maxrss_mb"] for r in c["runs"] if r["status"] == "ok"])
            nf = ok[0].get("factorisations") if ok else None
            ready = _ok(c["runs"], "ready")
            load = f"{ready[0]['loadavg']:.1f} / {ok[0]['loadavg']:.1f}" if ok and ready else "-"
            name = "local Moran, 999 permutations" if step == "lisa" else \
                "SDM fit (exact log-det)" + (", CHOLMOD accelerator" if c.get("pkg") == "si-cholmod" else "")
            status = ", ".join(sorted({r["status"] for r in c["runs"]}))
            L.append(f"| {name} | {c['n']:,} | {fmt_t(t)} | {nf if nf is not None else '-'} | {fmt_mb(mb)} | "
                     f"{load} | {status} |")
    if results.get("fepanel"):
        L.append("\n## Two-way FE SDM panel, N = 10,000 x T = 20\n")
        L.append("`si.sdm(..., entity=, time=, fixed_effects=\"twoway\")` (Lee-Yu) then `impacts(method=\"simulation\", "
                 "draws=1000)`, queen lattice 100 x 100, data as in the T = 10 panel section; both backends.\n")
        L.append("| backend | N | T | fit s | impacts s | factorisations | peak MB | rho | load |")
        L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for c in results["fepanel"]:
            for p, runs in c["runs"].items():
                fits, imps = _ok(runs, "fit"), _ok(runs, "impacts_sim")
                mb = _med([r["maxrss_mb"] for r in runs if r["status"] == "ok"])
                load = _med([r["loadavg1"] for r in runs])
                label = fits[0].get("extra", {}).get("logdet_label", p) if fits else p
                L.append(f"| {label} | {c['n']:,} | {c['T']} | {fmt_t(_med([s['time'] for s in fits]))} | "
                         f"{fmt_t(_med([s['time'] for s in imps]))} | "
                         f"{fits[0].get('factorisations', '-') if fits else '-'} | {fmt_mb(mb)} | "
                         f"{fits[0]['rho']:.10f} | {load:.1f} |" if fits else f"| {p} | failed |")
    if results.get("study"):
        L.append("\n## Simulation study: serial vs Dask LocalCluster(2 workers)\n")
        L.append(f"`si.simulate_study(\"sdm\", w, params, reps={STUDY_REPS})` on a {STUDY_SIDE} x {STUDY_SIDE} queen "
                 "lattice (eigenvalue log-determinant, delta-method effects per replicate), serially and with "
                 "`client=Client(LocalCluster(n_workers=2, threads_per_worker=1))` in the same process; *start-up* "
                 "= creating the cluster and client (not in the cluster time); *identical* = the two result "
                 "tables are equal element by element. On a machine whose 2 cores are shared, the cluster cannot "
                 "show its idle-machine speed-up.\n")
        L.append("| N | reps | serial s | cluster s | serial / cluster | start-up s | identical | load |")
        L.append("|---:|---:|---:|---:|---:|---:|---|---:|")
        for c in results["study"]:
            ser, clu = _ok(c["runs"], "serial"), _ok(c["runs"], "cluster")
            ts, tc = _med([s["time"] for s in ser]), _med([s["time"] for s in clu])
            ratio = f"{ts / tc:.2f}x" if ts and tc else "-"
            ident = ", ".join(str(s["identical"]) for s in clu) or "-"
            load = _med([r["loadavg1"] for r in c["runs"]])
            L.append(f"| {c['n']:,} | {c['reps']} | {fmt_t(ts)} | {fmt_t(tc)} | {ratio} | "
                     f"{fmt_t(_med([s['startup'] for s in clu]))} | {ident} | {load:.1f} |")
    return L
