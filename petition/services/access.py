"""Who may see which petition. Organizers see the petitions they are assigned
to, administrators see all; anything else is a 404 (not 403), so an organizer
cannot even learn which other petitions exist.

Use with `flask_login.login_required` on every `/organizer/…` route.
"""

from collections.abc import Sequence

from flask import abort
from flask_login import AnonymousUserMixin, current_user
from sqlalchemy import exists, select

from ..extensions import db
from ..models import Organizer, Petition
from ..models.organizer import organizer_petitions


def can_manage(organizer: Organizer | AnonymousUserMixin | None, petition_id: int) -> bool:
    if organizer is None or not organizer.is_authenticated:
        return False
    if organizer.is_admin:
        return True
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    organizer_petitions.c.organizer_id == organizer.id,
                    organizer_petitions.c.petition_id == petition_id,
                )
            )
        )
    )


def organizer_petition_or_404(slug: str) -> Petition:
    """The Petition `slug` if the current user may manage it, else abort(404)."""
    petition = db.session.scalar(select(Petition).where(Petition.slug == slug))
    if petition is None or not can_manage(current_user, petition.id):
        abort(404)
    return petition


def admin_or_404() -> None:
    if not (current_user.is_authenticated and current_user.is_admin):
        abort(404)


def visible_petitions(organizer: Organizer) -> Sequence[Petition]:
    """The petitions the organizer's list shows: all for an admin."""
    if organizer.is_admin:
        return db.session.scalars(select(Petition).order_by(Petition.title)).all()
    return list(organizer.petitions)
