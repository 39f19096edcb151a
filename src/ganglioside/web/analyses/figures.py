"""Charts of a stored analysis, drawn by the core's figure builders.

The pages show the same Plotly figures as the core's HTML report
(:mod:`ganglioside.report.plots`).  Those builders take a core
:class:`ganglioside.AnalysisResult`, so this module rebuilds one from the stored rows, loading only
the columns (and for the RT chart only the rows) a figure needs: a table of 100,000 rows is never
read whole to draw one group.  Figures of a succeeded analysis never change, so their JSON is
cached.

Read-only: nothing here writes to the database.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd
from django.core.cache import cache
from django.db.models import Count, Field, Q

from ganglioside import AnalysisConfig, ConfigError
from ganglioside.report.abundance import natural_key
from ganglioside.report.plots import RT_PLOT_COLUMNS as RT_COLUMNS  # what the RT chart reads
from ganglioside.report.plots import (
    abundance_figure,
    observed_predicted_figure,
    residual_figure,
    rt_logp_figure,
)
from ganglioside.result import AnalysisResult as CoreAnalysis
from ganglioside.result import ModelReport

from .models import Analysis, AnalysisStatus, Compound, RTModel

#: Columns the abundance charts read.
ABUNDANCE_COLUMNS: tuple[str, ...] = (
    "row", "status", "category", "group_key", "core", "ceramide", "volume_consolidated",
)  # fmt: skip
#: Abundance levels the pages offer (``report.abundance.LEVELS`` has more).
ABUNDANCE_LEVELS: tuple[str, ...] = ("category", "headgroup", "ceramide")
#: Charts of every scored row (fragments aside), by the name the page asks for.
OVERVIEWS = {"residuals": residual_figure, "observed-predicted": observed_predicted_figure}

_CACHE_SECONDS = 24 * 3600
# Plotly's display options for every chart of the pages (the mode bar keeps the PNG export).
PLOT_CONFIG: dict[str, Any] = {
    "responsive": True,
    "displaylogo": False,
    "modeBarButtonsToRemove": ["select2d", "lasso2d"],
    "toImageButtonOptions": {"format": "png", "scale": 2},
}


def _frame(rows: Iterable[tuple[Any, ...]], columns: Sequence[str]) -> pd.DataFrame:
    """Stored values as the core's compound frame: NULL numbers become NaN."""
    frame = pd.DataFrame.from_records(list(rows), columns=list(columns))
    for name in columns:
        field = Compound._meta.get_field(name)
        if isinstance(field, Field) and field.get_internal_type() in ("FloatField", "IntegerField"):
            frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("float64")
    return frame


def _config(analysis: Analysis) -> AnalysisConfig:
    try:
        return AnalysisConfig.from_mapping(analysis.parameters or {})
    except ConfigError:
        # Parameters stored by an older version; the charts only need outlier_z.
        return AnalysisConfig()


def _model_reports(analysis: Analysis) -> list[ModelReport]:
    reports = []
    for model in RTModel.objects.filter(analysis=analysis).order_by("position"):
        intercepts = {
            str(unit): (float(_num(v.get("value"))), float(_num(v.get("se"))))
            for unit, v in (model.intercepts or {}).items()
            if isinstance(v, dict)
        }
        reports.append(
            ModelReport(
                model_id=model.model_id,
                level=model.level,
                groups=tuple(model.groups or ()),
                n_anchors=model.n_anchors,
                n_rows=model.n_rows,
                slope=float(_num(model.slope)),
                slope_se=float(_num(model.slope_se)),
                intercepts=intercepts,
                r2=model.r2,
                q2=model.q2,
                rmse_loo=model.rmse_loo,
                mae_loo=model.mae_loo,
                residual_sd=float(_num(model.residual_sd)),
                df=model.df,
                logp_range=tuple(model.logp_range) if model.logp_range else None,
                tracks={str(k): float(_num(v)) for k, v in (model.tracks or {}).items()},
                warnings=tuple(model.warnings or ()),
                curvature=model.curvature,
                curvature_se=model.curvature_se,
                centres={str(k): float(_num(v)) for k, v in (model.centres or {}).items()},
            )
        )
    return reports


def _num(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return math.nan
    return number


def _core_analysis(
    analysis: Analysis, compounds: pd.DataFrame, models: list[ModelReport]
) -> CoreAnalysis:
    return CoreAnalysis(
        compounds=compounds,
        models=models,
        fragments=pd.DataFrame(),
        summary=dict(analysis.summary or {}),
        warnings=list(analysis.warnings or []),
        config=_config(analysis),
        source=analysis.input_filename,
    )


def _plottable(analysis: Analysis) -> Any:
    return Compound.objects.filter(
        analysis=analysis, rt__isnull=False, log_p__isnull=False
    ).exclude(group_key="")


def _cache_key(analysis: Analysis, *parts: str) -> str:
    # A curator's status decision changes the figures: its time is part of the key.
    changed = analysis.curated_at or analysis.finished_at
    finished = changed.timestamp() if changed else 0
    return ":".join(["ganglioside-figure", str(analysis.pk), f"{finished:.6f}", *parts])


def rt_groups(analysis: Analysis) -> list[dict[str, Any]]:
    """RT-model groups with rows to plot, in Svennerholm order, with their sizes.

    Each item: ``key``, ``rows`` and ``anchors``; the first item with the most anchors (then
    the most rows) is marked ``default`` (the group the chart opens on, as in the report).
    """
    key = _cache_key(analysis, "groups")
    cached = cache.get(key)
    if cached is not None:
        return cached
    counts = (
        _plottable(analysis)
        .values("group_key")
        .annotate(rows=Count("id"), anchors=Count("id", filter=Q(is_anchor=True)))
        .order_by()
    )
    groups = sorted(
        ({"key": c["group_key"], "rows": c["rows"], "anchors": c["anchors"]} for c in counts),
        key=lambda g: natural_key(g["key"]),
    )
    if groups:
        best = max(groups, key=lambda g: (g["anchors"], g["rows"], -groups.index(g)))
        best["default"] = True
    if analysis.status == AnalysisStatus.SUCCEEDED:
        cache.set(key, groups, _CACHE_SECONDS)
    return groups


def rt_figure_json(analysis: Analysis, group: str) -> str | None:
    """The RT-against-Log-P chart of one group, as Plotly JSON; ``None`` for an unknown group.

    Drawn by :func:`ganglioside.report.plots.rt_logp_figure` on the group's rows plus the
    parents (in other groups) its fragments are linked to.
    """
    if analysis.status != AnalysisStatus.SUCCEEDED:
        return None
    key = _cache_key(analysis, "rt", group)
    cached = cache.get(key)
    if cached is not None:
        return cached
    members = _frame(
        Compound.objects.filter(analysis=analysis, group_key=group).values_list(*RT_COLUMNS),
        RT_COLUMNS,
    )
    usable = members["rt"].notna() & members["log_p"].notna()
    if members.empty or not usable.any():
        return None
    parent_rows = {
        int(r) for r in members.loc[members["status"] == "fragment", "fragment_parent"].dropna()
    } - {int(r) for r in members["row"]}
    if parent_rows:
        parents = _frame(
            Compound.objects.filter(analysis=analysis, row__in=sorted(parent_rows))
            .exclude(group_key=group)
            .values_list(*RT_COLUMNS),
            RT_COLUMNS,
        )
        # An empty group key keeps a parent out of the group list (it is drawn as a ring,
        # "parent (other group)"), so the figure shows this one group only.
        parents["group_key"] = ""
        members = pd.concat([members, parents], ignore_index=True)
    figure = rt_logp_figure(
        _core_analysis(analysis, members, _model_reports(analysis)), group=group
    )
    text = figure.to_json()
    cache.set(key, text, _CACHE_SECONDS)
    return text


def overview_figure_json(analysis: Analysis, kind: str) -> str | None:
    """One chart of :data:`OVERVIEWS` (z by group, observed against predicted RT) as Plotly
    JSON, drawn by the core on the rows an RT model scored; ``None`` for an unknown kind."""
    if analysis.status != AnalysisStatus.SUCCEEDED or kind not in OVERVIEWS:
        return None
    key = _cache_key(analysis, "overview", kind)
    cached = cache.get(key)
    if cached is not None:
        return cached
    scored = (
        Compound.objects.filter(analysis=analysis, predicted_rt__isnull=False)
        .exclude(status="fragment")
        .values_list(*RT_COLUMNS)
    )
    figure = OVERVIEWS[kind](_core_analysis(analysis, _frame(scored, RT_COLUMNS), []))
    text = figure.to_json()
    cache.set(key, text, _CACHE_SECONDS)
    return text


def abundance_figures_json(analysis: Analysis) -> dict[str, str]:
    """The relative-abundance bar charts (by category, headgroup and ceramide), as Plotly JSON.

    Drawn by :func:`ganglioside.report.plots.abundance_figure`; empty for an analysis that has
    not succeeded.
    """
    if analysis.status != AnalysisStatus.SUCCEEDED:
        return {}
    key = _cache_key(analysis, "abundance", *ABUNDANCE_LEVELS)
    cached = cache.get(key)
    if cached is not None:
        return cached
    compounds = _frame(
        Compound.objects.filter(analysis=analysis).values_list(*ABUNDANCE_COLUMNS),
        ABUNDANCE_COLUMNS,
    )
    core = _core_analysis(analysis, compounds, [])
    out = {by: abundance_figure(core, by).to_json() for by in ABUNDANCE_LEVELS}
    cache.set(key, out, _CACHE_SECONDS)
    return out
