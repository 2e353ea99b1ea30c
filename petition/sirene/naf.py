"""NAF rév. 2 sections (the letter above each activity code), from the divisions.

INSEE's nomenclature groups the 88 divisions (the code's first two digits) into
21 sections A–U; the boundaries below are the official ones.
"""

# (first division, last division, section)
_SECTIONS = (
    (1, 3, "A"),
    (5, 9, "B"),
    (10, 33, "C"),
    (35, 35, "D"),
    (36, 39, "E"),
    (41, 43, "F"),
    (45, 47, "G"),
    (49, 53, "H"),
    (55, 56, "I"),
    (58, 63, "J"),
    (64, 66, "K"),
    (68, 68, "L"),
    (69, 75, "M"),
    (77, 82, "N"),
    (84, 84, "O"),
    (85, 85, "P"),
    (86, 88, "Q"),
    (90, 93, "R"),
    (94, 96, "S"),
    (97, 98, "T"),
    (99, 99, "U"),
)


def section(code: str | None) -> str | None:
    """The section letter of a NAF code such as `62.01Z` (None when unknown)."""
    if not code or not code[:2].isdigit():
        return None
    division = int(code[:2])
    for first, last, letter in _SECTIONS:
        if first <= division <= last:
            return letter
    return None
