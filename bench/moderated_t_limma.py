"""Moderated t and F of ``ganglioside.studies.moderated`` against R's limma (an independent
implementation), on simulated log2 matrices with missing values, batches and three groups.

Needs ``Rscript`` with limma (Debian: ``apt-get install r-bioc-limma``); a bench-only check,
never a test dependency.  Prints the largest differences of the prior df and variance, the
moderated t, its p and the moderated F p over the compounds measured in every sample.  For
compounds with missing values limma's ``contrasts.fit`` is approximate (it takes the
coefficients' correlation of the complete design; its documentation says so) while ours refits
the contrast exactly on the samples measured, so only their correlation is printed.

    .venv/bin/python bench/moderated_t_limma.py [--seeds 5] [--compounds 300]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from ganglioside.studies.moderated import moderated_fit

R_SCRIPT = r"""
suppressMessages(library(limma))
args <- commandArgs(trailingOnly = TRUE)
y <- as.matrix(read.csv(args[1], header = FALSE))
x <- as.matrix(read.csv(args[2], header = FALSE))
cm <- as.matrix(read.csv(args[3], header = FALSE))
fit <- lmFit(y, x)
fit2 <- eBayes(contrasts.fit(fit, cm))
out <- data.frame(fit2$t, fit2$p.value, F.p = fit2$F.p.value, df.total = fit2$df.total)
write.csv(out, args[4], row.names = FALSE)
write.csv(data.frame(d0 = fit2$df.prior, s0 = fit2$s2.prior), args[5], row.names = FALSE)
"""


def _case(seed: int, m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    groups = np.repeat([0, 1, 2], 6)
    batch = np.tile([0, 1], 9)
    x = np.column_stack([groups == 0, groups == 1, groups == 2, batch == 1]).astype(float)
    sd = np.sqrt(0.12 / rng.chisquare(6, m) * 6)  # variances from a scaled inverse chi²
    effect = np.where(rng.random(m) < 0.2, rng.normal(0, 1, m), 0.0)
    y = rng.normal(20, 2, m)[:, None] + sd[:, None] * rng.normal(size=(m, 18))
    y += np.outer(effect, groups == 1) + 0.5 * batch[None, :]
    y[rng.random(y.shape) < 0.05] = np.nan
    contrasts = np.array([[-1, 1, 0, 0], [-1, 0, 1, 0]], dtype=float).T
    return y, x, contrasts


def _compare(seed: int, m: int, folder: Path) -> dict[str, float]:
    y, x, c = _case(seed, m)
    paths = [folder / f"{n}.csv" for n in ("y", "x", "c", "out", "prior")]
    for path, data in zip(paths[:3], (y, x, c), strict=True):
        pd.DataFrame(data).to_csv(path, header=False, index=False, na_rep="NA")
    script = folder / "limma.R"
    script.write_text(R_SCRIPT, encoding="utf-8")
    subprocess.run(["Rscript", str(script), *map(str, paths)], check=True)
    r = pd.read_csv(paths[3])
    prior = pd.read_csv(paths[4]).iloc[0]
    overall = np.array([[-1, 1, 0, 0], [-1, 0, 1, 0]], dtype=float).T
    mine = moderated_fit(y, x, c, overall)
    t_r, p_r = r.iloc[:, 0:2].to_numpy(), r.iloc[:, 2:4].to_numpy()
    full = np.isfinite(y).all(axis=1)
    t_gap = np.abs(mine.t - t_r)
    return {
        "seed": seed,
        "d0 ours": mine.d0,
        "d0 limma": float(prior["d0"]),
        "s0² rel diff": abs(mine.s0_squared / float(prior["s0"]) - 1),
        "max |t diff|": float(np.nanmax(t_gap[full])),
        "max |p diff|": float(np.nanmax(np.abs(mine.p_value - p_r)[full])),
        "max |F p diff|": float(np.nanmax(np.abs(mine.p_f - r["F.p"].to_numpy())[full])),
        "max |df diff|": float(np.nanmax(np.abs(mine.df_total - r["df.total"].to_numpy()))),
        "t corr, rows with NA": float(np.corrcoef(mine.t[~full].ravel(), t_r[~full].ravel())[0, 1]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--compounds", type=int, default=300)
    args = parser.parse_args()
    if shutil.which("Rscript") is None:
        raise SystemExit("Rscript not found: apt-get install r-bioc-limma")
    with tempfile.TemporaryDirectory() as tmp:
        rows = [_compare(s, args.compounds, Path(tmp)) for s in range(args.seeds)]
    with pd.option_context("display.width", 160, "display.precision", 6):
        print(pd.DataFrame(rows).to_string(index=False))


if __name__ == "__main__":
    main()
