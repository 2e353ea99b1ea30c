"""`python -m petition.dev.catalogs` (run by `make extract-messages`): the
French catalog's plural entries, written from their message ids.

French is the source language, so its catalog translates nothing but plural
messages: without an entry, gettext picks a plural form by its default rule
(n != 1) and says "0 soutiens" where French says "0 soutien". Each plural
message of messages.pot gets an entry whose forms are its own msgid (0 and 1)
and msgid_plural (the others, "many" included: "1 000 000 soutiens"), under
Babel's French rule; singular messages stay out (their msgid is the French
text). tests/test_i18n.py fails when one is missing.
"""

import sys

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from ..config import ROOT

TRANSLATIONS = ROOT / "petition" / "translations"
POT = TRANSLATIONS / "messages.pot"
FRENCH = TRANSLATIONS / "fr" / "LC_MESSAGES" / "messages.po"


def french_catalog(template: Catalog) -> Catalog:
    catalog = Catalog(locale=Locale("fr"), project="petition", fuzzy=False)
    for message in template:
        if message.id and message.pluralizable:
            singular, plural = message.id
            forms = (singular,) + (plural,) * (catalog.num_plurals - 1)
            catalog.add(message.id, string=forms, flags=message.flags - {"fuzzy"})
    return catalog


def main(argv=None):
    source = POT if not argv else argv[0]
    with open(source, "rb") as f:
        template = read_po(f)
    FRENCH.parent.mkdir(parents=True, exist_ok=True)
    with open(FRENCH, "wb") as f:
        write_po(f, french_catalog(template), omit_header=False, sort_output=True, width=0)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
