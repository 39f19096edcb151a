"""The ``ganglioside`` command: analyze, simulate, web dispatch, version and exit codes."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import types
from pathlib import Path

import pandas as pd
import pytest

import ganglioside
from ganglioside import cli

VENV_BIN = Path(sys.executable).parent


def run(args: list[str], capsys) -> tuple[int, str, str]:
    code = cli.main(args)
    out, err = capsys.readouterr()
    return code, out, err


# -- usage and version -------------------------------------------------------------------------


def test_it_prints_the_version(capsys):
    code, out, _ = run(["--version"], capsys)
    assert code == 0
    assert out.strip() == f"ganglioside {ganglioside.__version__}"


@pytest.mark.slow
def test_the_installed_entry_point_runs():
    completed = subprocess.run(
        [str(VENV_BIN / "ganglioside"), "--version"], capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0
    assert completed.stdout.strip() == f"ganglioside {ganglioside.__version__}"


def test_it_shows_help_and_exits_2_without_a_command(capsys):
    code, _, err = run([], capsys)
    assert code == 2
    assert "analyze" in err and "simulate" in err and "serve" in err


def test_it_exits_2_on_an_unknown_command(capsys):
    code, _, err = run(["frobnicate"], capsys)
    assert code == 2
    assert "invalid choice: 'frobnicate'" in err


# -- analyze: errors ---------------------------------------------------------------------------


def test_it_rejects_a_nonexistent_input_file(tmp_path, capsys):
    missing = tmp_path / "nope.csv"
    code, out, err = run(["analyze", str(missing), "-o", str(tmp_path / "out")], capsys)
    assert code == 2
    assert f"input file {missing} does not exist" in err
    assert "Traceback" not in err and out == ""
    assert not (tmp_path / "out").exists()


def test_it_rejects_a_directory_as_input(tmp_path, capsys):
    code, _, err = run(["analyze", str(tmp_path)], capsys)
    assert code == 2
    assert "is a directory" in err


def test_it_rejects_an_unknown_set_key(sample_csv, tmp_path, capsys):
    code, _, err = run(
        ["analyze", str(sample_csv), "-o", str(tmp_path), "--set", "outlier_zz=3"], capsys
    )
    assert code == 2
    assert "unknown parameter 'outlier_zz'" in err
    assert "outlier_z" in err  # the known parameters are listed
    assert "Traceback" not in err


def test_it_rejects_a_set_value_out_of_range(sample_csv, tmp_path, capsys):
    code, _, err = run(["analyze", str(sample_csv), "--set", "outlier_z=-1"], capsys)
    assert code == 2
    assert "outlier_z must be a number > 0, got -1" in err


def test_it_rejects_a_set_without_equals_sign(sample_csv, capsys):
    code, _, err = run(["analyze", str(sample_csv), "--set", "outlier_z"], capsys)
    assert code == 2
    assert "expected key=value" in err


def test_it_rejects_a_missing_or_broken_config_file(sample_csv, tmp_path, capsys):
    code, _, err = run(["analyze", str(sample_csv), "--config", str(tmp_path / "x.toml")], capsys)
    assert code == 2
    assert "does not exist" in err
    broken = tmp_path / "broken.toml"
    broken.write_text("outlier_z = = 3\n", encoding="utf-8")
    code, _, err = run(["analyze", str(sample_csv), "--config", str(broken)], capsys)
    assert code == 2
    assert "is not valid TOML" in err


def test_it_rejects_a_table_without_rt_column(tmp_path, capsys):
    table = tmp_path / "no_rt.csv"
    table.write_text("Name,Volume,Log P,Anchor\nGD1(36:1;O2),100,1.9,T\n", encoding="utf-8")
    code, out, err = run(["analyze", str(table), "-o", str(tmp_path / "out")], capsys)
    assert code == 2
    assert "RT" in err and "no_rt.csv" in err
    assert "Traceback" not in err and "unexpected" not in err
    assert out == ""


# -- analyze: end to end on the bundled sample (needs the pipeline) ---------------------------


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory) -> tuple[int, str, str, Path]:
    """``ganglioside analyze`` on the bundled sample, run once as a real process."""
    outdir = tmp_path_factory.mktemp("results")
    sample = Path(ganglioside.__file__).parent / "data" / "measured_sample.csv"
    completed = subprocess.run(
        [str(VENV_BIN / "ganglioside"), "analyze", str(sample), "-o", str(outdir)],
        capture_output=True,
        text=True,
        check=False,
    )
    return completed.returncode, completed.stdout, completed.stderr, outdir


@pytest.mark.slow
def test_analyze_on_the_sample_exits_0_and_writes_the_default_outputs(sample_run):
    code, out, err, outdir = sample_run
    assert code == 0, err
    written = sorted(p.name for p in outdir.iterdir())
    assert written == ["compounds.csv", "fragments.csv", "report.html", "summary.json"]
    for name in written:
        assert (outdir / name).stat().st_size > 0
    assert f"Report: {(outdir / 'report.html').resolve()}" in out


@pytest.mark.slow
def test_analyze_writes_the_outputs_asked_for(sample_csv, tmp_path, capsys):
    code, out, err = run(
        ["analyze", str(sample_csv), "-o", str(tmp_path), "--outputs", "xlsx,parquet"], capsys
    )
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["compounds.parquet", "workbook.xlsx"]
    assert "workbook.xlsx, compounds.parquet" in out
    assert "Report:" not in out  # no report was asked for


@pytest.mark.slow
def test_analyze_writes_every_available_output_with_all(sample_csv, tmp_path, capsys):
    code, _, err = run(
        ["analyze", str(sample_csv), "-o", str(tmp_path), "--outputs", "all"], capsys
    )
    assert code == 0, err
    assert len(list(tmp_path.iterdir())) == 7  # every output, the PDF report included


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("csv,docx", "unknown output 'docx' in --outputs"),
        (",", "--outputs needs at least one of"),
    ],
)
def test_analyze_rejects_unknown_outputs(sample_csv, tmp_path, capsys, value, message):
    code, _, err = run(
        ["analyze", str(sample_csv), "-o", str(tmp_path / "out"), "--outputs", value], capsys
    )
    assert code == 2
    assert message in err and "csv, fragments, json, xlsx, parquet, html, pdf" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_analyze_writes_the_pdf_report_when_asked(sample_csv, tmp_path, capsys):
    outdir = tmp_path / "out"
    code, _, err = run(
        ["analyze", str(sample_csv), "-o", str(outdir), "--outputs", "csv,pdf"], capsys
    )
    assert code == 0, err
    assert sorted(p.name for p in outdir.iterdir()) == ["compounds.csv", "report.pdf"]
    assert (outdir / "report.pdf").read_bytes().startswith(b"%PDF-")


def test_analyze_help_names_the_outputs_and_the_default(capsys):
    code, out, _ = run(["analyze", "--help"], capsys)
    assert code == 0
    assert "(default: csv,fragments,json,html)" in " ".join(out.split())
    for name in ("csv", "fragments", "json", "xlsx", "parquet", "html", "pdf"):
        assert f"  {name} " in out


@pytest.mark.slow
def test_analyze_prints_counts_by_status_that_match_the_csv(sample_run):
    code, out, _, outdir = sample_run
    assert code == 0
    compounds = pd.read_csv(outdir / "compounds.csv")
    assert len(compounds) == 323
    assert "measured_sample.csv: 323 rows" in out
    for status in ganglioside.STATUSES:
        count = int((compounds["status"] == status).sum())
        assert any(line.split()[:2] == [status, str(count)] for line in out.splitlines()), (
            f"{status} {count} not in {out}"
        )


def test_analyze_writes_no_progress_bar_when_stderr_is_not_a_terminal(sample_run):
    _, _, err, _ = sample_run
    assert err == ""


@pytest.mark.slow
def test_analyze_records_the_parameters_given_with_set_and_config(sample_csv, tmp_path, capsys):
    config = tmp_path / "params.toml"
    config.write_text("[analysis]\noutlier_z = 3.0\nrt_sd_floor = 0.08\n", encoding="utf-8")
    code, _, err = run(
        [
            "analyze",
            str(sample_csv),
            "-o",
            str(tmp_path / "out"),
            "--config",
            str(config),
            "--set",
            "outlier_z=3.5",
        ],
        capsys,
    )
    assert code == 0, err
    document = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert document["config"]["outlier_z"] == 3.5  # --set wins over the file
    assert document["config"]["rt_sd_floor"] == 0.08
    assert document["software"]["version"] == ganglioside.__version__


def test_analyze_reports_an_unwritable_output_directory(sample_csv, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory", encoding="utf-8")
    code, _, err = run(["analyze", str(sample_csv), "-o", str(blocker / "out")], capsys)
    assert code == 1
    assert "cannot write the results to" in err
    assert "Traceback" not in err


# -- progress bar ------------------------------------------------------------------------------


def test_the_progress_bar_follows_the_analysis_callback(capsys):
    with cli._progress_bar(True) as update:
        assert update is not None
        update("retention", 0.5, "fitting the RT model")
        update("summary", 1.0, "done")
    err = capsys.readouterr().err
    assert "analysis" in err and " 50%" in err and "retention: fitting the RT model" in err


def test_each_export_gets_a_bar_of_its_own(capsys):
    seen = []
    with cli._progress_bar(True) as update:
        assert update is not None
        update("summary", 1.0, "done")
        update("report.html", 0.0, "writing report.html")
        seen.append(capsys.readouterr().err)
        update("report.html", 0.5, "figures")
        seen.append(capsys.readouterr().err)
    assert "report.html" in seen[0] and "  0%" in seen[0] and "writing report.html" in seen[0]
    assert " 50%" in seen[1] and "figures" in seen[1]


def test_no_progress_bar_is_made_when_disabled(capsys):
    with cli._progress_bar(False) as update:
        assert update is None
    assert capsys.readouterr().err == ""


# -- simulate ----------------------------------------------------------------------------------


def test_simulate_writes_a_table_and_its_truth(tmp_path, capsys):
    target = tmp_path / "sim.csv"
    code, out, err = run(["simulate", "--seed", "7", "-o", str(target), "--rows", "60"], capsys)
    assert code == 0, err
    table = pd.read_csv(target)
    assert {"Name", "RT", "Volume", "Log P", "Anchor"} <= set(table.columns)
    assert len(table) > 0
    assert (tmp_path / "sim.truth.csv").exists()
    assert str(target) in out


def test_simulate_is_reproducible_for_a_seed(tmp_path, capsys):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    assert run(["simulate", "--seed", "3", "-o", str(first)], capsys)[0] == 0
    assert run(["simulate", "--seed", "3", "-o", str(second)], capsys)[0] == 0
    assert first.read_bytes() == second.read_bytes()


def test_simulate_rejects_a_nonpositive_row_count(tmp_path, capsys):
    code, _, err = run(
        ["simulate", "--seed", "1", "-o", str(tmp_path / "x.csv"), "--rows", "0"], capsys
    )
    assert code == 2
    assert "expected a whole number ≥ 1, got 0" in err


def test_simulate_needs_a_seed(tmp_path, capsys):
    code, _, err = run(["simulate", "-o", str(tmp_path / "x.csv")], capsys)
    assert code == 2
    assert "--seed" in err


# -- web dispatch ------------------------------------------------------------------------------


def test_web_commands_are_handed_to_the_web_package(monkeypatch):
    received = []

    def fake_main(argv):
        received.append(list(argv))
        return 5

    monkeypatch.setitem(sys.modules, "ganglioside.web.cli", types.SimpleNamespace(main=fake_main))
    assert cli.main(["serve", "--port", "8001"]) == 5
    assert cli.main(["manage", "migrate", "--help"]) == 5
    assert received == [["serve", "--port", "8001"], ["manage", "migrate", "--help"]]


def test_web_commands_explain_how_to_install_the_web_extra(monkeypatch, capsys):
    # A None entry makes the import fail exactly as when the extra is not installed.
    monkeypatch.setitem(sys.modules, "ganglioside.web.cli", None)
    code, out, err = run(["worker"], capsys)
    assert code == 2
    assert 'pip install "ganglioside[web]"' in err
    assert "'ganglioside worker' needs the web platform" in err
    assert "Traceback" not in err and out == ""


def test_unexpected_errors_are_reported_without_traceback(monkeypatch, sample_csv, capsys):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("ganglioside.pipeline.analyze", broken)
    code, _, err = run(["analyze", str(sample_csv)], capsys)
    assert code == 1
    assert "unexpected RuntimeError: boom" in err and "--traceback" in err
    assert "Traceback (most recent call last)" not in err
    with pytest.raises(RuntimeError, match="boom"):
        cli.main(["--traceback", "analyze", str(sample_csv)])


def test_web_commands_check_for_the_web_extra_before_starting(monkeypatch, capsys):
    real_find_spec = importlib.util.find_spec

    def without_django(name, *args, **kwargs):
        return None if name == "django" else real_find_spec(name, *args, **kwargs)

    monkeypatch.setattr(importlib.util, "find_spec", without_django)
    code, _, err = run(["serve", "--port", "8123"], capsys)
    assert code == 2
    assert "(django cannot be imported)" in err
    assert 'pip install "ganglioside[web]"' in err


@pytest.mark.slow
def test_the_worker_command_reaches_the_web_platform():
    pytest.importorskip("django")
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    completed = subprocess.run(
        [str(VENV_BIN / "ganglioside"), "worker"],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=120,
    )
    # The web platform's own answer: a worker needs a Redis broker.
    assert completed.returncode == 2
    assert "REDIS_URL is not set" in completed.stderr
    assert "Traceback" not in completed.stderr


@pytest.mark.slow
def test_analyze_and_the_report_writers_load_no_web_stack(sample_csv, tmp_path):
    code = (
        "import sys\n"
        "from ganglioside import cli\n"
        f"assert cli.main(['analyze', {str(sample_csv)!r}, '-o', {str(tmp_path)!r}]) == 0\n"
        "web = ('django', 'celery', 'channels', 'rest_framework')\n"
        "print('loaded web modules:', [m for m in web if m in sys.modules])\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=300
    )
    assert completed.returncode == 0, completed.stderr
    assert "loaded web modules: []" in completed.stdout
    assert (tmp_path / "report.html").exists()


@pytest.mark.slow
def test_analyze_shows_a_progress_bar_on_a_terminal(sample_csv, tmp_path):
    pty = pytest.importorskip("pty")
    import fcntl
    import select
    import struct
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    process = subprocess.Popen(
        [str(VENV_BIN / "ganglioside"), "analyze", str(sample_csv), "-o", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=follower,
    )
    os.close(follower)
    seen = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 1.0)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal closed with the process
                break
            if not chunk:
                break
            seen += chunk
        elif process.poll() is not None:
            break
    process.communicate(timeout=300)
    os.close(leader)
    text = seen.decode("utf-8", errors="replace")
    assert process.returncode == 0
    assert "retention" in text and "writing report.html" in text
    assert "100%" in text


def test_simulate_warns_when_the_table_is_too_large_for_a_decidable_truth(tmp_path, capsys):
    from ganglioside.cli import main

    assert main(["simulate", "--seed", "3", "--rows", "5000", "-o", str(tmp_path / "big.csv")]) == 0
    err = capsys.readouterr().err
    assert "warning: with 5000 rows" in err and "about 4,500 rows stay decidable" in err
    assert main(["simulate", "--seed", "3", "--rows", "800", "-o", str(tmp_path / "ok.csv")]) == 0
    assert "warning" not in capsys.readouterr().err
