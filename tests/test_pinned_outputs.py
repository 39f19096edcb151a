"""Behaviour pin: the sample and four simulated tables give byte-identical compounds.csv, the
same simulated tables and the same summary counts as recorded in tests/pinned/outputs.json.

A refactoring must leave this test green.  When an output changes on purpose, regenerate the
file (``python -m tests.pinned.make_pins > tests/pinned/outputs.json``) in the same commit and
say why in the CHANGELOG.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.pinned.make_pins import pins

PINNED = json.loads((Path(__file__).parent / "pinned" / "outputs.json").read_text())


@pytest.fixture(scope="module")
def current():
    return pins()


@pytest.mark.parametrize("key", sorted(PINNED))
def test_outputs_match_the_pin(current, key):
    assert current[key] == PINNED[key]
