"""Rules for text typed on one line: names, titles, territories, reasons, labels…

One module so that the web forms (petition/forms/) and the services the CLI
goes through (services/petitions.py) refuse the same things with the same
words.

Every single-line field:
- is normalised to NFC and stripped (`line`);
- refuses control characters (Unicode category Cc: CR, LF, tab, NUL, DEL, C1),
  the line and paragraph separators (U+2028, U+2029) and the bidirectional
  embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069):
  a line break in a title ended up in an email subject, where Flask-Mail
  refuses it (BadHeaderError) and no confirmation of that petition could go
  out; a bidi override reorders the text around it (`line_problem`).

People's names, and the organisation a signer types (`name`, `name_problem`),
are shown on the public list and put in emails sent to any typed address, so
they also:
- are normalised to NFKC: full-width letters, ligatures and styled letters
  (𝐉𝐞𝐚𝐧, Ｊｅａｎ, ﬁ) become the plain ones, a no-break space a space;
- refuse format characters (category Cf: zero-width space, word joiner, BOM,
  soft hyphen, bidi marks, tags) and the blank "letters" that render as
  nothing (Hangul fillers, braille blank). Only the zero-width non-joiner and
  joiner between two letters pass, as Persian and Indic names use them
  (the idea of IDNA's CONTEXTJ rule, RFC 5892);
- refuse more than MAX_MARKS combining marks (Mn, Me) in a row, counted after
  NFKC: "zalgo" text stacks dozens over one letter, while real names carry one
  or two (Vietnamese "ễ" is one precomposed letter; decomposed, two marks);
- refuse anything a mail client could turn into a link (`has_link`): a scheme
  (`http://`, `mailto:`), `www.`, a dotted IPv4 address, or a domain whatever
  its TLD, recognised with the Public Suffix List bundled in the
  `publicsuffixlist` package (read from the package's file, never
  downloaded). A token counts as a domain only when it ends in a real public
  suffix with a label before it: "example.com", "evil.co.uk",
  "xn--bcher-kva.ch", "пример.рф" are refused; initials ("A.B.", "J.-P."),
  "St. Étienne" and "Marie.Claire" (no such TLD) pass. A dotted name that
  does end in a TLD ("Dr.House") is refused: the message asks for a space.
"""

import re
import unicodedata
from functools import cache

from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

#: Combining marks allowed in a row. Real names need one or two (Vietnamese
#: "ệ" decomposed, Arabic shadda with a vowel sign); three leaves room for
#: fully vocalised scripts. Four and more is stacking, not writing.
MAX_MARKS = 3

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
LINE_SEPARATORS = frozenset("\u2028\u2029")
JOINERS = frozenset("\u200c\u200d")
#: Letters or symbols that draw nothing: a name made of them looks blank.
BLANKS = frozenset("\u115f\u1160\u3164\uffa0\u2800")

#: What splits text into candidate host names: anything but word characters,
#: dots and hyphens (so "secure-login.de/fr" and "a@evil.com" give their host).
_TOKEN_SPLIT = re.compile(r"[^\w.-]+")
_SCHEME = re.compile(r"(?:\b[a-z][a-z0-9+.-]*://|\bwww\.|\bmailto:)", re.I)
_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
#: Dots that IDNA and browsers treat as the ASCII one (NFKC maps the others).
_DOTS = str.maketrans({"\u3002": "."})

CONTROL = _l("Ce champ ne peut contenir ni retour à la ligne ni caractère de contrôle.")
INVISIBLE = _l(
    "Ce champ contient un caractère invisible ou de mise en forme : retapez-le sans copier-coller."
)
MARKS = _l("Trop de signes accumulés sur une même lettre (%(n)s au plus).", n=MAX_MARKS)
LINK = _l("Un nom ne peut pas contenir d'adresse web.")


def line(value):
    """Filter for a single-line field: NFC, then stripped. Non-text passes."""
    if not isinstance(value, str):
        return value
    return unicodedata.normalize("NFC", value).strip()


def name(value):
    """Filter for a person's name or organisation: NFKC, then stripped."""
    if not isinstance(value, str):
        return value
    return unicodedata.normalize("NFKC", value).strip()


def line_problem(value):
    """Why `value` cannot be a single line of text (a message), or None."""
    for char in value or "":
        if unicodedata.category(char) == "Cc" or char in LINE_SEPARATORS or char in BIDI_CONTROLS:
            return CONTROL
    return None


def name_problem(value):
    """Why `value` (normalised by `name`) cannot be a name shown to people, or None."""
    value = value or ""
    problem = line_problem(value)
    if problem:
        return problem
    if _invisible(value):
        return INVISIBLE
    if _stacked_marks(value):
        return MARKS
    if has_link(value):
        return LINK
    return None


def _invisible(value):
    for i, char in enumerate(value):
        if char in BLANKS:
            return True
        if unicodedata.category(char) != "Cf":
            continue
        if (
            char in JOINERS
            and 0 < i < len(value) - 1
            and _joinable(value[i - 1])
            and _joinable(value[i + 1])
        ):
            continue
        return True
    return False


def _joinable(char):
    return unicodedata.category(char)[0] in "LM"


def _stacked_marks(value):
    run = 0
    for char in value:
        run = run + 1 if unicodedata.category(char) in ("Mn", "Me") else 0
        if run > MAX_MARKS:
            return True
    return False


@cache
def _suffixes():
    """The Public Suffix List shipped inside the package; loaded on first use."""
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList(accept_unknown=False)


def has_link(value):
    """True when a mail client could make a link of something in `value`."""
    text = (value or "").translate(_DOTS)
    if _SCHEME.search(text):
        return True
    for token in _TOKEN_SPLIT.split(text):
        host = token.strip(".-_").lower()
        if "." not in host:
            continue
        if _IPV4.fullmatch(host):
            return True
        if _suffixes().privatesuffix(host) is not None:
            return True
    return False


class SingleLine:
    """WTForms validator: the field's text is one line (see `line_problem`)."""

    def __call__(self, form, field):
        problem = line_problem(field.data) if isinstance(field.data, str) else None
        if problem:
            raise ValidationError(problem)


class PersonName(SingleLine):
    """WTForms validator for names and organisations (see `name_problem`).

    Use with the `name` filter so the rules see the NFKC form.
    """

    def __call__(self, form, field):
        problem = name_problem(field.data) if isinstance(field.data, str) else None
        if problem:
            raise ValidationError(problem)
