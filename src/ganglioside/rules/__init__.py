"""The science of the rules: pure functions over the rules' frame, and estimators with
``fit``/``predict`` (:mod:`.retention`).

* :mod:`.fragments` — Rule 5, in-source fragments (candidates by co-elution, decided with the
  RT model);
* :mod:`.isomers` — Rule 3, isomer tracks;
* :mod:`.retention` — Rule 1, the RT model;
* :mod:`.acetylation` — Rule 4, O-acetylated peaks and their base peaks;
* :mod:`.categories` — Rule 2, the sugar order;
* :mod:`.isobaric` — co-eluting isobaric species (MRM cross-talk).

The analysis applies them through the rule contract: each rule's step in
:mod:`ganglioside.pipeline.steps` (listed there in the order they run) returns a finding.
"""
