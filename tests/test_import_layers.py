"""The core never imports the web stack."""

from __future__ import annotations

import subprocess
import sys

WEB = ("django", "celery", "channels", "rest_framework")


def web_modules_loaded_after(code: str) -> str:
    """Run ``code`` in a fresh interpreter; the web modules it left loaded, comma separated."""
    probe = code + f"\nprint(','.join(m for m in {WEB!r} if m in __import__('sys').modules))\n"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    return out.stdout.strip()


def test_importing_ganglioside_loads_no_django_celery_or_channels():
    assert web_modules_loaded_after("import ganglioside\nganglioside.analyze") == ""


def test_running_an_analysis_loads_no_web_stack():
    code = (
        "import ganglioside\n"
        "from importlib.resources import files\n"
        "ganglioside.analyze(str(files('ganglioside') / 'data' / 'five_standards.csv'))"
    )
    assert web_modules_loaded_after(code) == ""
