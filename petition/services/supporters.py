"""The public supporters list: verified signers who chose to appear.

Only `verified` rows with `public` set are listed, with the fields the form
said would be shown (name, organisation, category, commune); never an email.
The counts by category cover every verified signature: totals reveal no one.
"""

from dataclasses import dataclass

from sqlalchemy import func, select

from .. import numbers
from ..categories import label
from ..extensions import db
from ..models import OrganisationCheck, Signature, SignatureState
from ..numbers import ngettext
from ..sirene.display import registered_beside
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
            "%(num)s entrepreneur ou startup", "%(num)s entrepreneurs ou startups", n
        ),
        "company": lambda: ngettext("%(num)s entreprise", "%(num)s entreprises", n),
        "association": lambda: ngettext("%(num)s association", "%(num)s associations", n),
        "incubator": lambda: ngettext(
            "%(num)s incubateur ou accélérateur", "%(num)s incubateurs ou accélérateurs", n
        ),
        "public": lambda: ngettext(
            "%(num)s élu·e ou organisme public", "%(num)s élu·es ou organismes publics", n
        ),
        "investor": lambda: ngettext("%(num)s investisseur", "%(num)s investisseurs", n),
        "researcher": lambda: ngettext(
            "%(num)s chercheur·se ou laboratoire",
            "%(num)s chercheur·ses ou laboratoires",
            n,
        ),
        "engineer": lambda: ngettext("%(num)s ingénieur·e", "%(num)s ingénieur·es", n),
        "designer": lambda: ngettext("%(num)s designer", "%(num)s designers", n),
        "developer": lambda: ngettext("%(num)s développeur·se", "%(num)s développeur·ses", n),
        "student": lambda: ngettext("%(num)s étudiant·e", "%(num)s étudiant·es", n),
        "media": lambda: ngettext("%(num)s média", "%(num)s médias", n),
        "citizen": lambda: ngettext(
            "%(num)s citoyen·ne ou autre", "%(num)s citoyen·nes ou autres", n
        ),
    }
    form = forms.get(category)
    return form() if form else f"{numbers.number(n)} {label(category)}"


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
            OrganisationCheck.registered_name,
            OrganisationCheck.partial_diffusion,
        )
        .outerjoin(OrganisationCheck, OrganisationCheck.signature_id == Signature.id)
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
        "registered": registered_beside(
            row.organisation, row.registered_name, row.partial_diffusion, public=True
        ),
        "category": label(row.category),
        "commune": row.commune,
    }
