"""Shared checks of a dynamic fit against a stored reference case (Produc and Cigar fixtures)."""

from __future__ import annotations

TOL = 1e-6


def case_id(case: dict) -> str:
    """Test id of a reference case: model, fixed effects and dynamic terms."""
    return f"{case['model']}-{case['fixed_effects']}-{case['dynamic']}"


def assert_matches(res, case: dict, *, sigma2_in_coefficients: bool = False, llf: bool = True,
                   tol: float = TOL) -> None:
    """Coefficients, SEs, sigma2 (and the log-likelihood) of ``res`` equal the reference ``case`` within ``tol``."""
    coefs = dict(case["coefficients"])
    sigma2 = coefs.pop("sigma2") if sigma2_in_coefficients else case["sigma2"]
    assert set(coefs) == set(res.params.index)
    for name, value in coefs.items():
        assert abs(res.params[name] - value) < tol, (name, res.params[name], value)
    for name, value in case["std_errors"].items():
        assert abs(res.bse[name] - value) < tol, (name, res.bse[name], value)
    assert abs(res.sigma2 - sigma2) < tol
    if llf:
        assert abs(res.llf - case["loglik"]) < tol
