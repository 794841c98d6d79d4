"""Monte Carlo recovery of known processes on the real 31-province map and a 900-region lattice.

Data-generating processes and seeds are in tests/simulate.py. On 31 provinces the cross-section uses a
high signal-to-noise process (sigma = 0.05 against b x with x ~ N(0, 1)) and the small-sample option
(covariance n/(n-p), t inference): with sigma = 1 the ML estimate of rho in a 31-region SDM is biased
by -0.05 to -0.12 (spreg and R give the same estimates), an inherent small-sample property of ML.
"""

from __future__ import annotations

import pytest
from simulate import cross_section_study, lattice, panel_study, summarise

pytestmark = pytest.mark.slow


def check(summary: dict) -> None:
    assert abs(summary["rho_bias"]) < 0.02, summary
    assert 0.92 <= summary["rho_coverage"] <= 0.98, summary
    assert 0.92 <= summary["indirect_coverage"] <= 0.98, summary


@pytest.mark.parametrize("model", ["SAR", "SDM"])
def test_recovery_on_provinces(province_w, model):
    s = summarise(cross_section_study(province_w, model, reps=1000, seed=11, sigma=0.05, draws=400,
                                      small_sample=True))
    print(model, "31 provinces", s)
    check(s)


@pytest.mark.parametrize("model", ["SAR", "SDM"])
def test_recovery_on_lattice(model):
    s = summarise(cross_section_study(lattice(30), model, reps=200, seed=12, draws=400))
    print(model, "900 lattice", s)
    check(s)


def test_recovery_panel_two_way_sdm(province_w):
    ly = summarise(panel_study(province_w, T=15, reps=400, seed=13, bias_correction="lee-yu", draws=400))
    none = summarise(panel_study(province_w, T=15, reps=400, seed=13, bias_correction="none", draws=400))
    print("panel lee-yu", ly, "\npanel none", none)
    check(ly)
    assert abs(ly["sigma2_rel_bias"]) < 0.05
    # the dummy-variable ML ("none") is biased in rho and sigma2 with T = 15 (Lee & Yu 2010)
    assert abs(none["rho_bias"]) > abs(ly["rho_bias"]) and none["sigma2_rel_bias"] < -0.05
