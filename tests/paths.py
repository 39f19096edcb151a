"""Where the tests find the repository, the package's bundled data and the hand-written exports."""

from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
EXPORTS = TESTS / "data" / "exports"
PACKAGE_DATA = REPO / "src" / "ganglioside" / "data"
