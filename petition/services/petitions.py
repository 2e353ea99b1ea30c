"""Creating and editing petitions: one set of rules for the CLI and the web."""

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from flask import g, has_request_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import text as textrules
from ..extensions import db
from ..geo import territory
from ..geo.territory import Area
from ..models import GoalScope, Petition, PetitionState, TerritoryArea
from . import counters, milestones

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
#: Addresses the ranking of every petition takes (/embed/classement, and
#: widget.js's `data-petition="classement"`): no petition may have them.
RESERVED_SLUGS = frozenset({"classement", "ranking"})
#: Fields kept on one line (they go into pages, email subjects and bodies):
#: the label an error names, and the length of the column.
LINES = {
    "title": (_l("Titre"), 200),
    "territory": (_l("Territoire"), 120),
    "controller_name": (_l("Responsable du traitement"), 200),
    "controller_email": (_l("E-mail du responsable"), 254),
    "controller_address": (_l("Adresse du responsable"), 300),
}


class PetitionError(ValueError):
    """A petition field breaks a rule; the message is for people."""


def parse_communes(text: str | None) -> list[Area]:
    """INSEE codes (`06088, 06029`) or `Nice:06000,06100;Cannes:06400` -> Areas."""
    return parse_territory(communes=text)


def parse_territory(communes: str | None = "", epcis: str | None = "", departements=""):
    """The territory's areas from communes, EPCI SIRENs and départements."""
    for chunk in re.split(r"[;\n]", communes or ""):
        problem = textrules.line_problem(chunk.strip())
        if problem:
            raise PetitionError(_("%(field)s : %(problem)s", field=_("Commune"), problem=problem))
    try:
        return territory.parse(communes, epcis, departements)
    except territory.TerritoryError as exc:
        raise PetitionError(_territory_message(*exc.args)) from None


def _territory_message(what, value, postal=None, there=None):
    if what == "commune":
        return _("Code INSEE de commune inconnu : %(c)s", c=value)
    if what == "epci":
        return _("SIREN d'intercommunalité (EPCI) inconnu : %(c)s", c=value)
    if what == "departement":
        return _("Département inconnu : %(c)s", c=value)
    if what == "postal":
        return _("Code postal invalide : %(c)s", c=value)
    if what == "name":
        return _(
            "Aucune commune « %(name)s » n'a le code postal %(postal)s (communes de ce code : "
            "%(there)s).",
            name=value,
            postal=postal,
            there=there or "—",
        )
    return _("Commune « %(c)s » : écrivez Nom:code postal.", c=value)


def _aware(value):
    if value is None or value.tzinfo:
        return value
    return value.replace(tzinfo=UTC)


def normalised(fields: Mapping[str, Any]) -> dict[str, Any]:
    """`fields` with its single-line texts in NFC and stripped (text.line)."""
    return {
        key: textrules.line(value) if key in LINES or key == "slug" else value
        for key, value in fields.items()
    }


def validate(fields: Mapping[str, Any], petition: Petition | None = None) -> None:
    """Raise PetitionError for the first rule `fields` (normalised) breaks."""
    slug = fields.get("slug", petition.slug if petition else "")
    if not SLUG.fullmatch(slug or "") or len(slug) > 80:
        raise PetitionError(_("Adresse courte invalide : lettres minuscules, chiffres et tirets."))
    if slug in RESERVED_SLUGS:
        raise PetitionError(_("Cette adresse courte est réservée au classement des pétitions."))
    taken = db.session.scalar(select(Petition.id).where(Petition.slug == slug))
    if taken and (petition is None or taken != petition.id):
        raise PetitionError(_("Cette adresse courte est déjà prise."))
    if not (fields.get("title") or "").strip() or len(fields["title"]) > 200:
        raise PetitionError(_("Le titre est obligatoire (200 caractères au plus)."))
    if not (fields.get("territory") or "").strip():
        raise PetitionError(_("Le territoire est obligatoire."))
    for key, (label, longest) in LINES.items():
        problem = textrules.line_problem(fields.get(key))
        if problem:
            raise PetitionError(_("%(field)s : %(problem)s", field=label, problem=problem))
        if len(fields.get(key) or "") > longest:
            raise PetitionError(_("%(field)s : %(n)s caractères au plus.", field=label, n=longest))
    goal = fields.get("goal")
    if not isinstance(goal, int) or goal <= 0:
        raise PetitionError(_("L'objectif doit être un nombre entier positif."))
    if fields.get("goal_scope", GoalScope.TOTAL) not in GoalScope.ALL:
        raise PetitionError(_("L’objectif compte tous les soutiens ou ceux du territoire."))
    if fields.get("state") not in PetitionState.ALL:
        raise PetitionError(_("État inconnu."))
    opens, closes = _aware(fields.get("opens_at")), _aware(fields.get("closes_at"))
    if opens and closes and closes <= opens:
        raise PetitionError(_("La date de clôture doit suivre la date d'ouverture."))


def save(
    fields: Mapping[str, Any],
    areas: Iterable[Area] = (),
    petition: Petition | None = None,
) -> Petition:
    """Create (petition=None) or update a petition; commits. Raises PetitionError."""
    fields = normalised(fields)
    validate(fields, petition)
    editing = petition is not None
    if not editing:
        petition = Petition()
        db.session.add(petition)
    for key in (
        "slug",
        "title",
        "description",
        "territory",
        "goal",
        "goal_scope",
        "state",
        "controller_name",
        "controller_email",
        "controller_address",
        "retention_days",
    ):
        if key in fields and fields[key] is not None:
            setattr(
                petition, key, fields[key].strip() if isinstance(fields[key], str) else fields[key]
            )
    petition.opens_at = _aware(fields.get("opens_at"))
    petition.closes_at = _aware(fields.get("closes_at"))
    # Keep the rows that stay: deleting then re-inserting the same (kind, code)
    # in one flush would trip the unique constraint when editing.
    kept = {(a.kind, a.code): a for a in petition.areas}
    petition.areas = [
        kept.get((kind, code)) or TerritoryArea(kind=kind, code=code)
        for kind, code in dict.fromkeys(areas)
    ]
    if not editing:
        db.session.flush()  # the id the default milestones need
        db.session.add_all(milestones.defaults(petition.id))
    db.session.commit()
    if editing:  # goal, title, state or slug shown by the API, embed and badge
        counters.changed(petition.id)
    return petition


def parse_date(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return _aware(datetime.fromisoformat(text))
    except ValueError:
        raise PetitionError(_("Date invalide : %(d)s (format AAAA-MM-JJ).", d=text)) from None


def get_public(slug: str) -> Petition | None:
    """A petition the public may see (open or closed, never draft), or None.

    Within a request, the petition the sign limit already loaded with its
    event window (abuse.request_window) is not asked for again."""
    loaded = g.get("public_petition") if has_request_context() else None
    if loaded is not None and loaded[0] == slug:
        return loaded[1]
    return public(db.session.execute(public_query(slug)))


def public_query(slug: str):
    """The SELECT of petition `slug` with its territory: the sign form reads
    both collections on every POST (two more queries each time otherwise)."""
    return (
        select(Petition)
        .options(joinedload(Petition.areas), joinedload(Petition.communes))
        .where(Petition.slug == slug)
    )


def public(result) -> Petition | None:
    """The petition of `public_query`'s result if the public may see it."""
    return visible(result.unique().scalars().one_or_none())


def visible(petition: Petition | None) -> Petition | None:
    """`petition` if the public may see it (open or closed, never draft)."""
    if petition is None or petition.state == PetitionState.DRAFT:
        return None
    return petition


def list_public() -> Sequence[Petition]:
    return db.session.scalars(
        select(Petition).where(Petition.state != PetitionState.DRAFT).order_by(Petition.title)
    ).all()
