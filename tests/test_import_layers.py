"""The core never imports the web stack."""

from __future__ import annotations

import subprocess
import sys


def test_importing_ganglioside_loads_no_django_celery_or_channels():
    code = (
        "import sys, ganglioside\n"
        "ganglioside.analyze\n"
        "web = ('django', 'celery', 'channels', 'rest_framework')\n"
        "bad = [m for m in web if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == ""


def test_running_an_analysis_loads_no_web_stack(tmp_path):
    code = (
        "import sys, ganglioside\n"
        "from importlib.resources import files\n"
        "ganglioside.analyze(str(files('ganglioside') / 'data' / 'five_standards.csv'))\n"
        "print(','.join(m for m in ('django', 'celery', 'channels') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == ""
