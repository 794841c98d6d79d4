"""Effect plots, decay curves and spillover maps render, return Axes/Figure, accept ax= and never show."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import spatialinno as si
from spatialinno import plot as splot
from spatialinno.decay import distance_decay
from spatialinno.errors import IdError, SpatialInnoError

FORMULA = "innov ~ agglom + coagg + rd"


@pytest.fixture(scope="module")
def provinces():
    return si.datasets.load_provinces()


@pytest.fixture(scope="module")
def panel():
    return si.datasets.load_demo_panel()


@pytest.fixture(scope="module")
def sdm(provinces, panel):
    w = si.weights.contiguity(provinces, id="code", islands="nearest")
    return si.sdm(FORMULA, panel, w, entity="code", time="year", fixed_effects="twoway")


@pytest.fixture(scope="module")
def decay(provinces, panel):
    return distance_decay(FORMULA, panel, provinces, entity="code", time="year", fixed_effects="twoway",
                          thresholds_km=range(200, 1401, 300), band_width_km=400, draws=200)


def _save(fig, path):
    fig.savefig(path, dpi=60)
    assert path.exists() and path.stat().st_size > 5000


def test_effects_plot_single(sdm, tmp_path):
    imp = sdm.impacts(draws=200)
    ax = splot.effects_plot(imp, labels={"agglom": "Agglomeration (LQ)"})
    assert isinstance(ax, plt.Axes)
    ticks = dict(zip([t.get_text() for t in ax.get_yticklabels()], ax.get_yticks(), strict=True))
    assert set(ticks) == {"Agglomeration (LQ)", "coagg", "rd"}
    assert ticks["Agglomeration (LQ)"] > ticks["coagg"] > ticks["rd"]  # first variable on top
    assert ax.get_legend() is not None
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"direct", "indirect", "total"} <= set(labels)
    assert "Effect" in ax.get_xlabel()
    _save(ax.figure, tmp_path / "effects.png")
    # on a given Axes, a subset of effects and variables
    _fig, ax2 = plt.subplots()
    out = splot.effects_plot(imp, ax=ax2, effects=["indirect"], variables=["agglom"])
    assert out is ax2 and len(ax2.get_yticks()) == 1


def test_effects_plot_models(sdm, provinces, panel, tmp_path):
    w2 = si.weights.inverse_distance(provinces, id="code", power=2)
    other = si.sdm(FORMULA, panel, w2, entity="code", time="year", fixed_effects="twoway")
    d = {"contiguity": sdm.impacts(draws=200), "inverse distance": other.impacts(draws=200)}
    fig = splot.effects_plot(d)
    assert isinstance(fig, plt.Figure) and len(fig.axes) == 3
    assert [a.get_title() for a in fig.axes] == ["Direct effect", "Indirect effect", "Total effect"]
    assert fig.legends and "contiguity" in [t.get_text() for t in fig.legends[0].get_texts()]
    _save(fig, tmp_path / "effects_models.png")
    _fig2, ax = plt.subplots()
    assert splot.effects_plot(d, ax=ax, effects=("indirect",)) is ax
    with pytest.raises(SpatialInnoError, match="one Axes per effect"):
        splot.effects_plot(d, ax=ax)
    with pytest.raises(SpatialInnoError, match="impacts"):
        splot.effects_plot(pd.DataFrame({"a": [1]}))
    with pytest.raises(SpatialInnoError, match="effects"):
        splot.effects_plot(d["contiguity"], effects=["spatial"])


def test_decay_plot(decay, tmp_path):
    ax = splot.decay_plot(decay, "agglom")
    assert isinstance(ax, plt.Axes)
    assert "km" in ax.get_xlabel() and "400 km" in ax.get_xlabel()
    assert "Indirect effect on innov" == ax.get_ylabel()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    b = decay.boundary("agglom")
    if b is not None:
        assert any(f"{b:,.0f} km" in s for s in labels)
        assert any(line.get_linestyle() == "--" and np.allclose(line.get_xdata(), b) for line in ax.get_lines())
    _save(ax.figure, tmp_path / "decay.png")
    # delegation, several variables, a given Axes, direct effects
    _fig, ax2 = plt.subplots()
    assert decay.plot(["agglom", "rd"], ax=ax2) is ax2
    assert splot.decay_plot(decay, "rd", effect="direct").get_ylabel().startswith("Direct")
    with pytest.raises(SpatialInnoError, match="unknown variable"):
        splot.decay_plot(decay, "pgdp")


def test_decay_plot_marks_failures(provinces, panel, tmp_path):
    d = distance_decay(FORMULA, panel, provinces, entity="code", time="year", fixed_effects="twoway",
                       thresholds_km=[0, 500, 1000], scheme="beyond", draws=100)
    assert d.table.query("threshold == 0")["estimate"].isna().all()
    ax = d.plot("agglom")
    assert any("no estimate" in t.get_text() for t in ax.get_legend().get_texts())
    assert "Minimum distance" in ax.get_xlabel()
    _save(ax.figure, tmp_path / "decay_beyond.png")


def test_spillover_map(sdm, provinces, tmp_path):
    s = sdm.spillover_from(440000, "agglom")
    ax = splot.spillover_map(provinces, s, id="code")
    assert isinstance(ax, plt.Axes)
    texts = [t.get_text() for t in ax.texts]
    assert any("Guangdong (source)" in t for t in texts)  # source inferred from the Series name, named
    boxes = [a.txt.get_text() for a in ax.artists if hasattr(a, "txt")]  # the AnchoredText over the sea
    assert any("Hainan" in t for t in boxes)  # largest recipients listed
    assert not any("island link" in t for t in boxes)
    noted = splot.spillover_map(provinces, s, id="code", notes={460000: "island link only"})
    boxes = [a.txt.get_text() for a in noted.artists if hasattr(a, "txt")]
    assert any("Hainan: " in t and "(island link only)" in t.split("Hainan: ")[1].splitlines()[0] for t in boxes)
    assert "Guangdong" in ax.get_title()
    assert len(ax.figure.axes) == 2  # map and colour bar
    _save(ax.figure, tmp_path / "spill.png")
    # explicit source, on a given Axes, ids as labels, a Series without a name
    _fig, ax2 = plt.subplots()
    out = splot.spillover_map(provinces, s.rename(None), source=440000, id="code", ax=ax2, label_col=None,
                              title="custom")
    assert out is ax2 and ax2.get_title() == "custom"
    assert any("440000 (source)" in t.get_text() for t in ax2.texts)
    # mixed signs: diverging scale centred on zero
    mixed = s - s.drop(440000).mean()
    ax3 = splot.spillover_map(provinces, mixed, source=440000, id="code")
    cbar = ax3.figure.axes[-1]
    lo, hi = cbar.get_xlim()
    assert lo < 0 < hi and np.isclose(-lo, hi)
    _save(ax3.figure, tmp_path / "spill_mixed.png")


def test_spillover_map_bad_input(sdm, provinces):
    s = sdm.spillover_from(110000, "agglom")
    with pytest.raises(IdError):
        splot.spillover_map(provinces, s)  # map indexed by position, values by code
    with pytest.raises(SpatialInnoError, match="source"):
        splot.spillover_map(provinces, s, source=999999, id="code")
    with pytest.raises(SpatialInnoError, match="pd.Series"):
        splot.spillover_map(provinces, s.to_numpy(), id="code")
