"""Figures tests measure along the way, printed at the end of the run."""

from __future__ import annotations

LINES: list[str] = []
