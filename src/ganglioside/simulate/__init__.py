"""Synthetic ganglioside feature tables with known truth, for tests and benchmarks.

A simulated table looks like an exported reversed-phase LC-MS/MS run (columns ``Name, RT,
Volume, Log P, Anchor``) and comes with the truth of every row: a real species (``valid``), a
misannotation whose retention time does not fit its name (``outlier``) or an in-source fragment
of a larger species (``fragment``, with the row of its root parent).

The generative model follows the numbers measured on the sample run (see the design notes):

* Log P is a linear function of the composition of the annotated name (ceramide carbons,
  double bonds, oxygens, NeuAc, Hex, HexNAc, dHex, OAc) plus a small per-name deviation, rounded
  to two decimals, constant per name.
* RT = slope_g * Log P + intercept_g + isomer track offset + peak noise.  The slope is nearly
  common (about 1.36 min per Log P unit, a little different per group, pivoting at the group's
  typical Log P); the intercept is additive in the composition (NeuAc, Hex, HexNAc, dHex, OAc)
  plus a small deviation per group.
* Series-1 gangliosides with two or more sialic acids (GD1, GT1, GQ1) come as two positional
  isomers (a/b), about 0.45 min apart, for a fraction of their names.
* Anchors (lab-confirmed standards) are concentrated in a few common groups.
* In-source fragments lose terminal residues (NeuAc, Gal, GalNAc, sugar modifications, acetate)
  and co-elute with their parent within 0.01 min, at 0.5-30 % of its volume.
* Misannotations are real peaks with the name of a neighbouring species, or a peak at the wrong
  RT; one is only kept when its RT is clearly away from where its name elutes.

Every knob left as ``None`` is drawn per seed within a realistic range, so that many seeds cover
many situations and nothing can be tuned to one file.  The same seed always gives the same
table.  Everything is vectorised: a million rows take a few seconds.  The simulator writes its
names itself and never uses the package's name parser, which it is there to test.

Modules, by section: ``arguments`` (checking ``simulate()``'s arguments), ``parameters`` (fixed
constants, frequencies from the sample, per-seed draws), ``composition`` (compositions as
arrays, fragment-like pairs), ``noise`` (deterministic per-name noise), ``chemistry`` (Log P and
expected RT), ``names`` (writing names), ``species`` and ``peaks`` (the real species of a run),
``fragments``, ``misannotations``, ``anchors``, ``truth`` (the shuffled table and its truth) and
``simulator`` (:func:`simulate`, which runs them in order).
"""

from __future__ import annotations

from .arguments import SimulationArgumentError
from .simulator import simulate
from .truth import LABELS, TABLE_COLUMNS, TRUTH_COLUMNS, SimulatedTable

__all__ = [
    "LABELS",
    "TABLE_COLUMNS",
    "TRUTH_COLUMNS",
    "SimulatedTable",
    "SimulationArgumentError",
    "simulate",
]
