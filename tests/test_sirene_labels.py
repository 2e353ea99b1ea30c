"""NAF labels from INSEE's nomenclature (built in, pinned) and headcount bands."""

import pytest

from petition.sirene import naf


@pytest.mark.parametrize(
    "code, locale, expected",
    [
        ("62.01Z", "fr", "Programmation informatique"),
        ("62.01Z", "en", "Information and communication"),
        ("J", "fr", "Information et communication"),
        (
            "01.11Z",
            "fr",
            "Culture de céréales (à l'exception du riz), de légumineuses et de graines "
            "oléagineuses",
        ),
        ("94.99Z", "en", "Other service activities"),
        ("", "fr", None),
        ("ZZ", "fr", None),
    ],
)
def test_naf_label(code, locale, expected):
    assert naf.label(code, locale) == expected


def test_every_section_and_subclass_has_a_label():
    labels = naf._french()
    subclasses = [code for code in labels if len(code) == 6]
    assert len(subclasses) == 732, "NAF rév. 2 has 732 sub-classes"
    assert {naf.section(code) for code in subclasses} == set(naf.SECTION_LABELS)


def test_headcount_bands_in_both_languages():
    codes = "NN 00 01 02 03 11 12 21 22 31 32 41 42 51 52 53".split()
    assert set(naf.HEADCOUNT_LABELS) == set(codes)
    assert naf.headcount_label("11") == "10 à 19 salariés"
    assert naf.headcount_label("53", "en") == "10,000 employees or more"
    assert naf.headcount_label("99") is None
