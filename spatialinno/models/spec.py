"""What each model is: which spatial terms it carries.

    OLS : y = X b + e
    SLX : y = X b + W X t + e
    SAR : y = rho W y + X b + e
    SEM : y = X b + u,            u = lambda W u + e
    SDM : y = rho W y + X b + W X t + e
    SDEM: y = X b + W X t + u,    u = lambda W u + e
    SAC : y = rho W y + X b + u,  u = lambda W u + e      (LeSage & Pace 2009, ch. 2; Elhorst 2014, ch. 2)
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import SpecificationError


@dataclass(frozen=True)
class ModelSpec:
    """Which spatial terms a model carries.

    Parameters
    ----------
    name : str
        OLS, SLX, SAR, SEM, SDM, SDEM or SAC.
    lag : bool
        rho W y.
    error : bool
        lambda W u.
    durbin : bool
        W X theta.
    """

    name: str
    lag: bool     # rho W y
    error: bool   # lambda W u
    durbin: bool  # W X theta

    @property
    def spatial_params(self) -> list[str]:
        """Names of the spatial parameters, ``rho`` before ``lambda``."""
        return (["rho"] if self.lag else []) + (["lambda"] if self.error else [])


SPECS = {
    "OLS": ModelSpec("OLS", lag=False, error=False, durbin=False),
    "SLX": ModelSpec("SLX", lag=False, error=False, durbin=True),
    "SAR": ModelSpec("SAR", lag=True, error=False, durbin=False),
    "SEM": ModelSpec("SEM", lag=False, error=True, durbin=False),
    "SDM": ModelSpec("SDM", lag=True, error=False, durbin=True),
    "SDEM": ModelSpec("SDEM", lag=False, error=True, durbin=True),
    "SAC": ModelSpec("SAC", lag=True, error=True, durbin=False),
}


def spec_for(model: str) -> ModelSpec:
    """The specification of ``model``, named in any case (``"sdm"`` or ``"SDM"``).

    Parameters
    ----------
    model : str
        One of OLS, SLX, SAR, SEM, SDM, SDEM, SAC, in any case.

    Returns
    -------
    ModelSpec
        Which spatial terms the model carries.

    Raises
    ------
    SpecificationError
        An unknown model name (the message lists the choices).
    """
    key = model.upper() if isinstance(model, str) else model
    if key not in SPECS:
        raise SpecificationError(f"unknown model {model!r}: choose one of {', '.join(SPECS)} (any case)")
    return SPECS[key]
