"""Plot tests: Agg backend, and a failure if any plotting function calls plt.show()."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def no_show(monkeypatch):
    def boom(*a, **k):
        raise AssertionError("plt.show() must never be called")

    monkeypatch.setattr(plt, "show", boom)
    yield
    plt.close("all")
