"""Evidence beyond RT: precursor m/z error, MS/MS diagnostic ions, adduct artefacts, and the
identification level they lead to.  Hand-written tables with an export's m/z, adduct and
spectrum columns next to a clean, anchored series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ganglioside import AnalysisConfig, analyze
from ganglioside.identification import MZTAB_RELIABILITY, identification_levels
from ganglioside.names import composition_frame
from ganglioside.rules.mass_evidence import adduct_shift, formula_mass, ion_mz
from ganglioside.rules.ms2 import (
    diagnostic_ions,
    dominating_precursors,
    glycan_loss,
    match_ions,
    read_spectrum,
)
from tests.rows import clean_series, table

GM3_MASS = 1180.7445  # C59H108N2O21 (design: GM3(36:1;O2))


def with_ms(df: pd.DataFrame) -> pd.DataFrame:
    """The table with an exact [M-H]- m/z, its adduct and an empty spectrum per row."""
    out = df.copy()
    masses = composition_frame(list(out["Name"])).loc[list(out["Name"]), "mass"]
    out["Average Mz"] = [round(ion_mz(m, "[M-H]-"), 5) for m in masses]
    out["Adduct type"] = "[M-H]-"
    out["MS/MS spectrum"] = ""
    return out


@pytest.fixture
def anchored():
    return with_ms(table(clean_series("GM3") + clean_series("GD3", anchors=3)))


def row_of(result, name):
    c = result.compounds
    return c[c["name"] == name].iloc[0]


# -- m/z -------------------------------------------------------------------------------------


def test_masses_come_from_formulas():
    assert formula_mass("C59H108N2O21") == pytest.approx(GM3_MASS, abs=1e-4)
    assert ion_mz(GM3_MASS, "[M-H]-") == pytest.approx(1179.7372, abs=1e-4)
    assert ion_mz(GM3_MASS, "[M-2H]2-") == pytest.approx(589.3650, abs=1e-4)
    assert ion_mz(GM3_MASS, "-H") == ion_mz(GM3_MASS, "[M-H]-")  # LipidSearch's MainIon
    assert ion_mz(GM3_MASS, "[M+HCOO]-") == pytest.approx(ion_mz(GM3_MASS, "[M+FA-H]-"))
    assert adduct_shift("not an adduct") is None
    assert np.isnan(ion_mz(GM3_MASS, "[M+Xx]-"))


def test_a_precursor_within_tolerance_passes_and_one_off_is_an_outlier(anchored):
    off = anchored.index[anchored["Name"] == "GM3(40:2;O2)"][0]
    anchored.loc[off, "Average Mz"] += anchored.loc[off, "Average Mz"] * 25e-6  # +25 ppm
    result = analyze(anchored)
    good = row_of(result, "GM3(36:1;O2)")
    assert abs(good["mz_error_ppm"]) < 0.1 and "mz:pass" in good["evidence"]
    bad = row_of(result, "GM3(40:2;O2)")
    assert bad["mz_error_ppm"] == pytest.approx(25, abs=0.1)
    assert bad["status"] == "outlier" and "ppm from the formula's ion" in bad["reasons"]
    assert bad["identification"] == "contradicted"
    lenient = analyze(anchored, AnalysisConfig(mz_tolerance_ppm=30))
    assert row_of(lenient, "GM3(40:2;O2)")["status"] == "valid"


def test_without_mz_columns_nothing_is_claimed():
    result = analyze(table(clean_series("GM3")))
    assert result.compounds["mz_error_ppm"].isna().all()
    assert (result.compounds["ms2_evidence"] == "").all()


# -- MS/MS -----------------------------------------------------------------------------------


def test_a_spectrum_is_read_and_its_diagnostic_ions_matched():
    spectrum = read_spectrum("290.0896:136 308.1002:50 564.5360:20 1151.6897:592")
    assert spectrum.shape == (4, 2)
    ions = diagnostic_ions({"neuac": 1, "hex": 2}, ion_mz(GM3_MASS, "[M-H]-"), (36, 1, 2))
    found = {m.ion: m for m in match_ions(spectrum, ions, 0.01)}
    assert set(found) == {"NeuAc B-H2O", "NeuAc B", "Cer-H"}
    assert found["NeuAc B-H2O"].ppm == pytest.approx((290.0896 - 290.0881) / 290.0881 * 1e6, 0.1)
    assert found["NeuAc B-H2O"].relative == pytest.approx(100 * 136 / 592)
    assert read_spectrum(None).size == 0 and read_spectrum("").size == 0


def test_diagnostic_ions_raise_a_valid_row_to_ms2_level(anchored):
    i = anchored.index[anchored["Name"] == "GM3(40:2;O2)"][0]
    anchored.loc[i, "MS/MS spectrum"] = "290.0890:300 308.0990:120 1100.0:40"
    j = anchored.index[anchored["Name"] == "GM3(38:2;O2)"][0]
    anchored.loc[j, "MS/MS spectrum"] = "255.2330:500 1100.0:40"  # no sialic-acid ion
    result = analyze(anchored)
    ms2 = row_of(result, "GM3(40:2;O2)")
    assert ms2["identification_level"] == 2 and ms2["identification"] == "ms2_rt"
    assert ms2["ms2_evidence"].startswith("NeuAc B-H2O@290.0890")
    assert "ms2:diagnostic" in ms2["evidence"]
    bare = row_of(result, "GM3(38:2;O2)")
    assert bare["identification_level"] == 3
    assert "ms2_without_sialic_ion" in bare["warnings"]


def test_an_annotation_its_software_marked_weak_stays_below_the_ms2_level(anchored):
    """MS-DIAL's ``low score:`` / ``no MS2:`` / ``w/o MS2:`` marks (read into the ``Annotation
    flag`` column): the row is still analysed, but its MS/MS cannot lift it to level 2."""
    spectrum = "290.0890:300 308.0990:120 1100.0:40"
    names = ["GM3(40:2;O2)", "GM3(38:2;O2)", "GM3(36:0;O2)"]
    for name in names:
        anchored.loc[anchored["Name"] == name, "MS/MS spectrum"] = spectrum
    anchored["Annotation flag"] = ""
    anchored.loc[anchored["Name"] == names[0], "Annotation flag"] = "low score"
    anchored.loc[anchored["Name"] == names[1], "Annotation flag"] = "w/o MS2"
    result = analyze(anchored)
    weak, without, plain = (row_of(result, n) for n in names)
    assert plain["status"] == weak["status"] == without["status"] == "valid"
    assert plain["identification_level"] == 2
    assert weak["identification_level"] == 3 and "annotation:low_score" in weak["evidence"]
    assert without["identification_level"] == 3 and "annotation:without_ms2" in without["evidence"]
    assert "annotation:" not in plain["evidence"]


def test_the_level_read_back_from_a_row_keeps_the_weak_annotation_cap():
    from ganglioside.identification import level_of_row

    evidence = "rt:consistent;ms2:diagnostic"
    assert level_of_row("valid", anchor=False, evidence=evidence, warnings="") == 2
    weak = evidence + ";annotation:no_ms2"
    assert level_of_row("valid", anchor=False, evidence=weak, warnings="") == 3
    assert level_of_row("outlier", anchor=False, evidence=weak, warnings="") == 5


# -- adduct artefacts ------------------------------------------------------------------------


def test_a_sodium_formate_cluster_of_a_coeluting_feature_is_its_artefact(anchored):
    parent = anchored[anchored["Name"] == "GM3(34:1;O2)"].iloc[0]
    artefact = parent.copy()
    artefact["Name"] = "GM3(40:9;O2)"  # what a library search made of the cluster ion
    artefact["Average Mz"] = round(parent["Average Mz"] + formula_mass("CHNaO2"), 5)
    artefact["RT"] = parent["RT"] + 0.01
    artefact["Volume"] = parent["Volume"] / 10
    artefact["Anchor"] = "F"
    result = analyze(pd.concat([anchored, artefact.to_frame().T], ignore_index=True))
    row = result.compounds.iloc[-1]
    assert row["status"] == "fragment"
    assert row["artefact_of"] == int(
        result.compounds.loc[result.compounds["name"] == "GM3(34:1;O2)", "row"].iloc[0]
    )
    assert "+HCOONa" in row["reasons"] and "not a second ganglioside" in row["reasons"]
    assert row["identification"] == "contradicted"


# -- MS/MS-dominated artefacts ---------------------------------------------------------------


def _coeluting(df: pd.DataFrame, of: str, name: str, spectrum: str, **cells) -> pd.DataFrame:
    """``df`` with a row ``name`` at the RT of row ``of`` (+0.01 min), its formula's [M-H]-
    m/z and ``spectrum``."""
    parent = df[df["Name"] == of].iloc[0]
    new = parent.copy()
    mass = composition_frame([name]).loc[name, "mass"]
    new["Name"] = name
    new["Average Mz"] = round(ion_mz(mass, "[M-H]-"), 5)
    new["RT"] = parent["RT"] + 0.01
    new["Anchor"] = "F"
    new["MS/MS spectrum"] = spectrum
    for key, value in cells.items():
        new[key] = value
    return pd.concat([df, new.to_frame().T], ignore_index=True)


def test_a_feature_whose_msms_is_another_features_precursor_is_its_artefact(anchored):
    parent = anchored[anchored["Name"] == "GM3(34:1;O2)"].iloc[0]
    # more abundant than its parent, so the adduct rule does not take it; the MS/MS says it
    spectrum = f"290.0890:80 {parent['Average Mz'] + 0.002:.4f}:600 700.5:20"
    df = _coeluting(anchored, "GM3(34:1;O2)", "GM3(40:9;O2)", spectrum, Volume=5e7)
    result = analyze(df)
    row = result.compounds.iloc[-1]
    parent_row = int(row_of(result, "GM3(34:1;O2)")["row"])
    assert row["status"] == "fragment" and row["artefact_of"] == parent_row
    assert "MS/MS artefact" in row["reasons"] and f"row {parent_row}'s precursor" in row["reasons"]
    assert row["identification"] == "contradicted"
    assert row_of(result, "GM3(34:1;O2)")["status"] == "valid"  # the parent stays a species


def test_a_base_peak_that_the_names_own_loss_explains_is_no_artefact():
    df = with_ms(table(clean_series("GM1") + clean_series("GD1", anchors=3)))
    gm1 = df[df["Name"] == "GM1(40:1;O2)"].iloc[0]
    # a GD1's MS/MS is dominated by [M-H-NeuAc]-: the co-eluting GM1's precursor
    spectrum = f"290.0881:300 {gm1['Average Mz']:.4f}:900"
    i = df.index[df["Name"] == "GD1(40:1;O2)"][0]
    df.loc[i, "RT"] = gm1["RT"] + 0.01
    df.loc[i, "MS/MS spectrum"] = spectrum
    assert df.loc[i, "Anchor"] == "F"
    row = row_of(analyze(df), "GD1(40:1;O2)")
    assert "MS/MS artefact" not in row["reasons"]
    assert pd.isna(row["artefact_of"]) and "-neuac" in row["ms2_evidence"]


def test_a_precursor_that_does_not_coelute_does_not_make_an_artefact(anchored):
    parent = anchored[anchored["Name"] == "GM3(34:1;O2)"].iloc[0]
    spectrum = f"{parent['Average Mz']:.4f}:600"
    df = _coeluting(anchored, "GM3(34:1;O2)", "GM3(40:9;O2)", spectrum, Volume=5e7)
    df.loc[df.index[-1], "RT"] = parent["RT"] + 0.5
    row = analyze(df).compounds.iloc[-1]
    assert "MS/MS artefact" not in row["reasons"] and pd.isna(row["artefact_of"])


def test_glycan_losses_and_dominating_precursors_are_found_by_mass():
    nana = formula_mass("C11H17NO8")
    hexose = formula_mass("C6H10O5")
    assert glycan_loss({"neuac": 2, "hex": 3}, 2 * nana + hexose, 0.01)
    assert not glycan_loss({"neuac": 1, "hex": 3}, 2 * nana, 0.01)  # only one NeuAc to lose
    assert not glycan_loss({}, 0.0, 0.01)
    mz = np.array([1179.737, 1247.72, 1179.737])
    rt = np.array([10.0, 10.01, 12.0])
    base = np.array([np.nan, 1179.739, np.nan])
    every = np.ones(3, bool)
    found = dominating_precursors(base, mz, rt, every, every, tolerance=0.01, rt_window=0.05)
    assert found.tolist() == [-1, 0, -1]  # not the far-eluting row 2 of the same m/z


# -- identification level --------------------------------------------------------------------


def test_each_status_maps_to_one_level():
    n = 7
    valid = np.array([1, 1, 1, 0, 0, 0, 1], bool)
    level = identification_levels(
        valid=valid,
        anchor=np.array([1, 0, 0, 0, 0, 0, 0], bool),
        unverified_or_istd=np.array([0, 0, 0, 1, 0, 0, 0], bool),
        diagnostic_ms2=np.array([0, 1, 0, 0, 1, 0, 0], bool),
        mz_off=np.array([0, 0, 0, 0, 0, 0, 1], bool),
    )
    assert level.tolist() == [1, 2, 3, 4, 5, 5, 5]
    assert [MZTAB_RELIABILITY[int(v)] for v in level] == [1, 2, 3, 4, 4, 4, 4][:n]


def test_unverified_rows_are_composition_only_and_outliers_contradicted():
    df = table(clean_series("GM3", anchors=0, extra=6))
    df.loc[len(df)] = ["GM3(30:0;O2)", 25.0, 1e5, 0.0, "F"]
    result = analyze(df, AnalysisConfig(self_calibrate=False))
    assert set(result.compounds["identification"].astype(str)) == {"composition"}
    result = analyze(table(clean_series("GM3")))
    assert set(result.compounds["identification_level"]) == {1, 3}
