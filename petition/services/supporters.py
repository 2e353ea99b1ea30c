"""The public supporters list: verified signers who chose to appear.

Only `verified` rows with `public` set are listed, with the fields the form
said would be shown (name, organisation, category, commune); never an email.
The counts by category cover every verified signature: totals reveal no one.
"""

from dataclasses import dataclass

from flask_babel import ngettext
from sqlalchemy import func, select

from ..categories import label
from ..extensions import db
from ..models import Signature, SignatureState
from . import counters

PER_PAGE = 50
MAX_PAGE = 100_000


@dataclass
class Page:
    rows: list
    number: int
    pages: int
    listed: int
    by_category: list  # [(phrase, count)], largest first


def _plural(category, n):
    """'312 entrepreneurs' in the visitor's language; one literal per category."""
    forms = {
        "entrepreneur": lambda: ngettext(
            "%(num)d entrepreneur ou startup", "%(num)d entrepreneurs ou startups", n
        ),
        "company": lambda: ngettext("%(num)d entreprise", "%(num)d entreprises", n),
        "association": lambda: ngettext("%(num)d association", "%(num)d associations", n),
        "incubator": lambda: ngettext(
            "%(num)d incubateur ou accélérateur", "%(num)d incubateurs ou accélérateurs", n
        ),
        "public": lambda: ngettext(
            "%(num)d élu·e ou organisme public", "%(num)d élu·es ou organismes publics", n
        ),
        "investor": lambda: ngettext("%(num)d investisseur", "%(num)d investisseurs", n),
        "researcher": lambda: ngettext(
            "%(num)d chercheur·se ou laboratoire", "%(num)d chercheur·ses ou laboratoires", n
        ),
        "engineer": lambda: ngettext("%(num)d ingénieur·e", "%(num)d ingénieur·es", n),
        "designer": lambda: ngettext("%(num)d designer", "%(num)d designers", n),
        "developer": lambda: ngettext("%(num)d développeur·se", "%(num)d développeur·ses", n),
        "student": lambda: ngettext("%(num)d étudiant·e", "%(num)d étudiant·es", n),
        "media": lambda: ngettext("%(num)d média", "%(num)d médias", n),
        "citizen": lambda: ngettext(
            "%(num)d citoyen·ne ou autre", "%(num)d citoyen·nes ou autres", n
        ),
    }
    form = forms.get(category)
    return form() if form else f"{n} {label(category)}"


def _listed():
    return (Signature.state == SignatureState.VERIFIED, Signature.public.is_(True))


def page(petition_id: int, number: int | None = 1, per_page: int = PER_PAGE) -> Page:
    """One page of public supporters, newest first, with the category counts."""
    where = (Signature.petition_id == petition_id, *_listed())
    listed = db.session.scalar(select(func.count()).select_from(Signature).where(*where))
    pages = max(1, -(-listed // per_page))
    number = min(max(1, number or 1), MAX_PAGE)
    rows = db.session.execute(
        select(
            Signature.first_name,
            Signature.last_name,
            Signature.organisation,
            Signature.category,
            Signature.commune,
        )
        .where(*where)
        .order_by(Signature.verified_at.desc(), Signature.id.desc())
        .offset((number - 1) * per_page)
        .limit(per_page)
    ).all()
    counts = counters.breakdown(petition_id)["by_category"]
    by_category = [
        (_plural(c, n), n) for c, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]
    return Page([_row(r) for r in rows], number, pages, listed, by_category)


def _row(row):
    name = " ".join(p for p in (row.first_name, row.last_name) if p)
    return {
        "name": name,
        "organisation": row.organisation,
        "category": label(row.category),
        "commune": row.commune,
    }
