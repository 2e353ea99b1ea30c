"""The canonical email: one person, one key, however the address is typed."""

import pytest

from petition.addresses import canonical_email, domain_of


@pytest.mark.parametrize(
    "typed,canonical",
    [
        ("jeandupont@gmail.com", "jeandupont@gmail.com"),
        ("  Jean.Dupont@Gmail.COM\t", "jeandupont@gmail.com"),
        ("jean.dupont+french-tech@gmail.com", "jeandupont@gmail.com"),
        ("j.e.a.n.dupont@googlemail.com", "jeandupont@gmail.com"),
        ("Jean.Dupont+ft@GMAIL.com", "jeandupont@gmail.com"),
        ("JEAN.DUPONT+a+b@googlemail.com", "jeandupont@gmail.com"),
    ],
)
def test_gmail_spellings_are_one_person(typed, canonical):
    assert canonical_email(typed) == canonical


@pytest.mark.parametrize(
    "typed,canonical",
    [
        # Dots matter outside Gmail: two different mailboxes.
        ("jean.dupont@orange.fr", "jean.dupont@orange.fr"),
        ("jean.dupont+newsletter@orange.fr", "jean.dupont@orange.fr"),
        ("Marie.Curie@Univ-Lyon1.FR ", "marie.curie@univ-lyon1.fr"),
    ],
)
def test_other_domains_keep_their_dots(typed, canonical):
    assert canonical_email(typed) == canonical


def test_dots_are_not_dropped_for_lookalike_domains():
    assert canonical_email("jean.dupont@gmail.com.evil.fr") == "jean.dupont@gmail.com.evil.fr"
    assert canonical_email("jean.dupont@mail.gmail.co") == "jean.dupont@mail.gmail.co"


def test_unicode_is_nfkc_normalised():
    # Full-width letters and the composed/decomposed é are the same address.
    assert canonical_email("ｊｅａｎ@ｅｘａｍｐｌｅ.ｆｒ") == "jean@example.fr"
    composed, decomposed = "h\u00e9l\u00e8ne@exemple.fr", "he\u0301le\u0300ne@exemple.fr"
    assert composed != decomposed
    assert canonical_email(composed) == canonical_email(decomposed) == composed
    assert canonical_email("ÉLODIE@EXEMPLE.FR") == "élodie@exemple.fr"


def test_canonical_form_is_stable():
    once = canonical_email(" J.D+x@GoogleMail.com ")
    assert canonical_email(once) == once


def test_domain_of():
    assert domain_of(" Jean@Example.FR ") == "example.fr"
    assert domain_of("a@b@gmail.com") == "gmail.com"
