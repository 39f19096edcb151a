"""The name corpus (tests/data/names/): every name of every dialect reads to what it means."""

from __future__ import annotations

from collections import Counter

import pytest

from ganglioside.errors import NameSyntaxError
from ganglioside.names import NotAGanglioside, composition_frame, parse_name
from tests.name_corpus import differences, load

ENTRIES = load()
BY_DIALECT: dict[str, list] = {}
for _entry in ENTRIES:
    BY_DIALECT.setdefault(_entry.dialect, []).append(_entry)


def test_the_corpus_covers_eleven_dialects_with_forty_names_each():
    sizes = Counter(e.dialect for e in ENTRIES if not e.other_class and not e.refused)
    assert len(sizes) >= 11
    assert min(sizes.values()) >= 40, sizes
    assert sum(sizes.values()) >= 500
    assert sum(1 for e in ENTRIES if e.other_class) >= 40


@pytest.mark.slow
@pytest.mark.parametrize("dialect", sorted(BY_DIALECT))
def test_every_name_of_the_dialect_reads_to_what_it_means(dialect):
    wrong = []
    for entry in BY_DIALECT[dialect]:
        try:
            parsed = parse_name(entry.name)
        except NotAGanglioside as exc:
            if exc.lipid_class != entry.other_class:
                wrong.append(f"{entry.name!r}: other class {exc.lipid_class!r}")
            continue
        except NameSyntaxError as exc:
            if not entry.refused or entry.refused not in str(exc):
                wrong.append(f"{entry.name!r}: {exc}")
            continue
        if entry.refused:
            wrong.append(f"{entry.name!r}: read, though it is to be refused naming {entry.refused}")
        elif entry.other_class:
            wrong.append(f"{entry.name!r}: read as the ganglioside {parsed.species!r}")
        elif diff := differences(entry, parsed):
            wrong.append(f"{entry.name!r}: {'; '.join(diff)}")
    assert not wrong, "\n".join(wrong)


def test_one_species_gets_one_species_text_whatever_the_dialect():
    names = [e.name for e in ENTRIES if not e.other_class and e.expected == "GM3 34:1;O2"]
    assert len(names) >= 10
    assert {parse_name(n).species for n in names} == {"GM3 34:1;O2"}


def test_the_frame_gives_other_classes_and_standards_their_columns():
    other = [e.name for e in ENTRIES if e.other_class][:10]
    standards = [e.name for e in BY_DIALECT["internal_standards"]][:10]
    frame = composition_frame(other + standards)
    assert (frame.loc[other, "other_class"] != "").all()
    assert (frame.loc[other, "parse_error"] != "").all()
    assert frame.loc[standards, "is_internal_standard"].all()
    assert (frame.loc[standards, "parse_error"] == "").all()
    assert frame.loc[standards, "mass"].notna().all()
