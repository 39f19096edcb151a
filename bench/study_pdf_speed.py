"""Time of writing ``study_report.pdf`` for one simulated study, section by section.

The study (``simulate_study``, two groups, corrections on, as in ``study_speed.py``) is
analysed once in this process; then the PDF is written ``--repeat`` times and the CPU
seconds of the whole writer and of each section (median over the repeats) are printed.

    .venv/bin/python bench/study_pdf_speed.py --samples 100 --repeat 3
    .venv/bin/python bench/study_pdf_speed.py --cache /tmp/study100.pickle   # analyse once, reuse
"""

from __future__ import annotations

import argparse
import pickle
import statistics
import tempfile
import time
from pathlib import Path


def _study(samples: int, rows: int):  # type: ignore[no-untyped-def]
    from ganglioside.simulate.study import simulate_study
    from ganglioside.studies import study

    knobs = {"batch_sd": 0.6, "qc_every": 6, "signal_drift": 0.6, "tech_sd": 0.05}
    simulated = simulate_study(42, n_per_group=samples // 2, n_rows=rows, **knobs)
    with tempfile.TemporaryDirectory() as folder:
        simulated.write(Path(folder))
        return study(Path(folder) / "design.csv", jobs=2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--rows", type=int, default=180)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--cache", type=Path, help="pickle of the study: read if present, else written"
    )
    args = parser.parse_args()

    from ganglioside.studies import pdf

    if args.cache is not None and args.cache.exists():
        result = pickle.loads(args.cache.read_bytes())
    else:
        result = _study(args.samples, args.rows)
        if args.cache is not None:
            args.cache.write_bytes(pickle.dumps(result))
    timings: dict[str, list[float]] = {}
    wrapped = {}
    for name in ("_summary_page", "_chart_page", "_box_page", "_heatmap_pages",
                 "_compound_pages", "_sample_pages"):  # fmt: skip
        original = getattr(pdf, name)

        def timed(pages, subject, _original=original, _name=name):  # type: ignore[no-untyped-def]
            t0 = time.process_time()
            _original(pages, subject)
            timings.setdefault(_name.strip("_"), []).append(time.process_time() - t0)

        wrapped[name] = timed
    for name, function in wrapped.items():
        setattr(pdf, name, function)
    pdf.study_pdf_bytes(result)  # warm-up: imports, fonts
    timings.clear()
    totals, sizes = [], []
    for _ in range(args.repeat):
        t0 = time.process_time()
        content = pdf.study_pdf_bytes(result)
        totals.append(time.process_time() - t0)
        sizes.append(len(content))
    print(f"study: {args.samples} samples, {len(result.main_statistics)} compounds")
    print(f"PDF: {statistics.median(totals):.3f} s CPU (median of {args.repeat}), "
          f"{sizes[-1] / 1024:.0f} KiB")  # fmt: skip
    for name, seconds in timings.items():
        print(f"  {name:16s} {statistics.median(seconds):.3f} s")


if __name__ == "__main__":
    main()
