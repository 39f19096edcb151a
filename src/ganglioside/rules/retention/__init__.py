"""Rule 1: the retention-time model and its outliers.

Within a homologous series reversed-phase RT rises linearly with Log P, with nearly the same
slope for every headgroup and an intercept that depends on the headgroup.  The model is a
hierarchy fitted on the anchors (trusted standards):

* **group**: a group with enough anchors gets its own line (checked: slope > 0, leave-one-out
  Q² ≥ ``min_q2``);
* **pooled**: every other anchored group shares one common slope (fitted on all anchors, within
  groups) with an intercept of its own (ANCOVA);
* **composition**: a group with no anchor gets its intercept from its composition, with
  increments per NeuAc, NeuGc, Hex, HexNAc, dHex and OAc learned across the anchored groups;
  when ``robust`` is on, the group's own non-anchor peaks may shift that intercept through a
  Tukey-weighted, leave-one-out estimate, so a misannotated peak cannot excuse itself.

Isomer groups get parallel tracks (a shared slope and one intercept per track).  A row is an
outlier when |z| ≥ ``outlier_z`` with z = residual / (s·√(1 + h) ⊕ intercept uncertainty); no
row is an outlier merely because its group has no anchor.

Modules: ``model`` (the estimator), ``_lines`` (group and pooled line fits), ``_composition``
(the composition level), ``_isomers`` (isomer tracks and early/late lines), ``_group_lines``
(the per-group table of lines built by ``fit``), ``_predict`` (per-row line choice and
variance), ``_group_correction`` (the robust correction by a group's own peaks) and
``_calibration`` (widening prediction SDs to the observed scatter), ``_intervals`` (the
reported 95 % interval, calibrated on the file's own peaks apart from the decision's SD),
``_self_calibration`` (the
peaks that calibrate a file with fewer than two anchors) and ``_transfer`` (a saved calibration
written out and applied to another run: :class:`TransferredModel`).
"""

from ._composition import COMPOSITION
from ._group_lines import LEVELS, GroupLines
from ._lines import LineFit
from ._predict import RetentionResult
from ._self_calibration import SelfCalibration
from ._transfer import TransferredModel
from .model import RetentionModel

__all__ = [
    "COMPOSITION",
    "LEVELS",
    "GroupLines",
    "LineFit",
    "RetentionModel",
    "RetentionResult",
    "SelfCalibration",
    "TransferredModel",
]
