"""Progress messages of the command line (step names with elapsed seconds) and the step timings."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

__all__ = ["Progress"]

class Progress:
    """Step names with elapsed seconds on stderr (silent when quiet); keeps the timings for run.json.

    Parameters
    ----------
    quiet : bool
        Print nothing.
    stream : file-like, optional
        Where to print (default ``sys.stderr``).
    """

    def __init__(self, quiet: bool, stream: TextIO | None = None) -> None:
        self.quiet = quiet
        self.stream = stream if stream is not None else sys.stderr
        self.t0 = time.perf_counter()
        self.timings: dict[str, float] = {}

    def say(self, msg: str) -> None:
        """Print one line (unless quiet).

        Parameters
        ----------
        msg : str
        """
        if not self.quiet:
            print(msg, file=self.stream, flush=True)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Time the enclosed block as step ``name`` and print ``[t] name ... done (dt)``.

        Parameters
        ----------
        name : str

        Yields
        ------
        None
        """
        t = time.perf_counter()
        if not self.quiet:
            print(f"[{time.perf_counter() - self.t0:5.1f}s] {name} ...", end="", file=self.stream, flush=True)
        ok = False
        try:
            yield
            ok = True
        finally:
            dt = time.perf_counter() - t
            self.timings[name] = round(dt, 3)
            if not self.quiet:
                print(f" {'done' if ok else 'failed'} ({dt:.1f}s)", file=self.stream, flush=True)

    @property
    def total(self) -> float:
        """Seconds since the start."""
        return time.perf_counter() - self.t0
