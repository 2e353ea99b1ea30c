"""Numbers in words, the same everywhere: plural forms through Babel's
catalogs and numbers in the page's language ("1 000" in French, "1,000" in
English, never both on one page).

The count ("12 soutiens vérifiés, dont 5 du territoire, sur un objectif de
1 000") is worded here once. Pages and the embed render it with `count_parts`
(templates/_counter.html wraps each number in its element), the badge with
`count_sentence`, `supporters_label` and `badge_value`, and the live scripts
(petition/static/js/count.js, shared by
live.js and widget.js) get its plural forms from `count_forms`: a live update
says what a fresh page would.

French is the source language, and French says "0 soutien": the French catalog
(petition/translations/fr) holds every plural message with French's rule
(n > 1); gettext's default (n != 1) would say "0 soutiens".
"""

import functools
import re
from collections.abc import Callable

from babel import Locale
from babel.numbers import format_decimal, format_percent
from flask import current_app
from flask_babel import get_locale, get_translations

#: Numbers whose plural category stands for every number of that category:
#: 0-199 cover "zero", "one", "two", "few" and "other" in the languages CLDR
#: knows; the big ones cover "many" (French: "1 000 000").
SAMPLES = (*range(200), 1_000, 10_000, 100_000, 1_000_000, 10_000_000)
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _locale():
    return get_locale() or Locale("fr")


def number(value: int) -> str:
    """`value` as the page's language writes it: "1 000" (fr), "1,000" (en)."""
    return format_decimal(value, locale=_locale())


def ngettext(singular: str, plural: str, n: int, **values: object) -> str:
    """Babel's ngettext, with %(num)s written the page's way ("1 000 entreprises").

    (Flask-Babel's own puts the bare int in %(num)s and takes no `num=`.)
    Templates do the same with `ngettext(…, n, num=n|number)`.
    """
    return get_translations().ungettext(singular, plural, n) % {"num": number(n), **values}


def plural_category(value: int) -> str:
    """CLDR's plural category of `value` in the page's language (as Intl.PluralRules)."""
    return _locale().plural_form(value)


def count_template(count: int, scope: str = "total") -> str:
    """The count sentence for `count`, its numbers left as %(count)s, %(local)s
    (the territory's part) and %(goal)s; `scope` "local" when the goal counts
    only the territory's supporters."""
    if scope == "local":
        return get_translations().ungettext(
            "%(count)s soutien vérifié, dont %(local)s du territoire, "
            "sur un objectif de %(goal)s du territoire",
            "%(count)s soutiens vérifiés, dont %(local)s du territoire, "
            "sur un objectif de %(goal)s du territoire",
            count,
        )
    return get_translations().ungettext(
        "%(count)s soutien vérifié, dont %(local)s du territoire, sur un objectif de %(goal)s",
        "%(count)s soutiens vérifiés, dont %(local)s du territoire, sur un objectif de %(goal)s",
        count,
    )


def supporters_label(count: int) -> str:
    """The short form, for the badge: "soutien vérifié" / "soutiens vérifiés"."""
    return get_translations().ungettext("soutien vérifié", "soutiens vérifiés", count)


def badge_value(count: int, local: int, goal: int) -> str:
    """The badge's figures: "12, dont 5 du territoire / 1 000"."""
    return get_translations().ugettext("%(count)s, dont %(local)s du territoire / %(goal)s") % {
        "count": number(count),
        "local": number(local),
        "goal": number(goal),
    }


def count_sentence(
    count: int, goal: int, local: int = 0, scope: str = "total", paper: int = 0
) -> str:
    """ "1 soutien vérifié, dont 1 du territoire, sur un objectif de 1 000", as plain
    text, followed by the paper part when there is one."""
    sentence = fill(count_template(count, scope), count=count, goal=goal, local=local)
    return sentence + " " + paper_note(paper) if paper else sentence


def paper_note(paper: int) -> str:
    """The paper part of the count, which the count includes: "(dont 2 sur papier)"."""
    return ngettext("(dont %(num)s sur papier)", "(dont %(num)s sur papier)", paper)


def count_parts(
    count: int, goal: int, local: int = 0, scope: str = "total"
) -> list[tuple[str, str | None]]:
    """The count sentence as [(text, None) | (formatted number, its name)],
    for markup that wraps each number in its own element."""
    return parts(count_template(count, scope), count=count, goal=goal, local=local)


def count_forms(scope: str = "total") -> dict[str, str]:
    """Plural category -> count sentence template, for the live scripts."""
    return forms(lambda n: count_template(n, scope))


def percent(fraction: float) -> str:
    """`fraction` as a whole percentage, rounded down ("42 %", "42%"); the
    overview's script writes it the same way (Intl.NumberFormat, percent)."""
    return format_percent(int(fraction * 100) / 100, locale=_locale())


def total_template(count: int) -> str:
    """The overview's total: "%(count)s soutiens vérifiés au total"."""
    return get_translations().ungettext(
        "%(count)s soutien vérifié au total", "%(count)s soutiens vérifiés au total", count
    )


def week_template(count: int) -> str:
    """A petition's signatures of the last 7 days, on the overview."""
    return get_translations().ungettext(
        "%(count)s signature ces 7 derniers jours",
        "%(count)s signatures ces 7 derniers jours",
        count,
    )


def overview_forms() -> dict[str, dict[str, str]]:
    """Every plural map the overview's live script words its numbers with;
    made once per language and app (about 0.1 s: 200 samples × 4 sentences)."""
    made = current_app.extensions.setdefault("overview_forms", {})
    lang = str(_locale())
    found = made.get(lang)
    if found is None:
        found = made[lang] = {
            "count": count_forms(),
            "count_local": count_forms("local"),
            "total": forms(total_template),
            "week": forms(week_template),
        }
    return found


def fill(template: str, **values: int | str) -> str:
    """`template` with each %(name)s replaced, numbers formatted."""
    return "".join(text for text, _name in parts(template, **values))


def parts(template: str, **values: int | str) -> list[tuple[str, str | None]]:
    out = []
    for i, piece in enumerate(PLACEHOLDER.split(template)):
        if i % 2 == 0:
            if piece:
                out.append((piece, None))
        else:
            value = values[piece]
            out.append((number(value) if isinstance(value, int) else str(value), piece))
    return out


def forms(template_of: Callable[[int], str]) -> dict[str, str]:
    """Plural category -> the catalog's form for numbers of that category.

    The browser picks the category with Intl.PluralRules (the same CLDR rules
    as Babel) and the form from this map, so it never needs gettext's rule.
    """
    return {category: template_of(value) for category, value in _representatives(_locale())}


@functools.lru_cache(maxsize=64)
def _representatives(locale: Locale) -> tuple[tuple[str, int], ...]:
    """(plural category, the first sample of it) in `locale`: asking CLDR for
    the 205 samples on every page with a counter cost a third of the
    confirmation page; the answer depends on the language alone."""
    found: dict[str, int] = {}
    for value in SAMPLES:
        found.setdefault(locale.plural_form(value), value)
    return tuple(found.items())


def init_app(app):
    app.jinja_env.filters["number"] = number
    app.jinja_env.filters["percent"] = percent
    app.jinja_env.globals.update(
        count_parts=count_parts,
        count_forms=count_forms,
        count_sentence=count_sentence,
        paper_note=paper_note,
        total_parts=lambda n: parts(total_template(n), count=n),
        week_parts=lambda n: parts(week_template(n), count=n),
        overview_forms=overview_forms,
    )
