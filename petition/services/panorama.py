"""Organisation profiles of the panorama: who may publish, publishing, hiding,
and removal when the organisation's last verified signer leaves.

A signer may publish their organisation once their signature is verified and
the register check says `active` and fully diffusible (a `P` unit never
appears). One profile per SIREN per petition: a second signer of the same
organisation edits the same profile. Every change bumps the petition's
panorama generation in the same transaction, so every cache keyed by it
(page, map, API, CSV) is stale at once.
"""

import secrets

from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import (
    OrganisationCheck,
    OrganisationProfile,
    PanoramaSettings,
    Petition,
    RegisterStatus,
    Signature,
    SignatureState,
    SireneEstablishment,
    utcnow,
)
from . import audit


def eligible_check(signature: Signature | None) -> OrganisationCheck | None:
    """The register check that lets this signer publish, or None."""
    if signature is None or signature.state != SignatureState.VERIFIED:
        return None
    if signature.email is None:  # erased: nobody left to speak for it
        return None
    check = db.session.get(OrganisationCheck, signature.id)
    if check is None or check.status != RegisterStatus.ACTIVE or check.partial_diffusion:
        return None
    if not check.registered_name:
        return None
    return check


def profile_of(petition_id: int, siren: str) -> OrganisationProfile | None:
    return db.session.scalar(
        select(OrganisationProfile).where(
            OrganisationProfile.petition_id == petition_id, OrganisationProfile.siren == siren
        )
    )


def publish(signature: Signature, description: str, website: str | None, category: str):
    """Create or edit the profile of the signer's organisation; returns it.

    Raises ValueError when the signer may not publish (the caller checked).
    """
    check = eligible_check(signature)
    if check is None:
        raise ValueError("not eligible")
    values = _register_values(check)
    values.update(description=description, website=website or None, category=category)
    for _attempt in range(2):  # two colleagues publishing at once: the constraint decides
        profile = profile_of(signature.petition_id, check.siren)
        if profile is None:
            profile = OrganisationProfile(
                petition_id=signature.petition_id,
                siren=check.siren,
                created_by=signature.id,
                **values,
            )
            db.session.add(profile)
        else:
            for name, value in values.items():
                setattr(profile, name, value)
            profile.updated_at = utcnow()
        bump(signature.petition_id)
        try:
            db.session.commit()
            return profile
        except IntegrityError:
            db.session.rollback()
    raise RuntimeError("profile could not be saved")


def _register_values(check: OrganisationCheck) -> dict:
    place = db.session.get(SireneEstablishment, check.siret) if check.siret else None
    return {
        "siret": check.siret,
        "registered_name": check.registered_name,
        "naf": check.naf,
        "headcount": check.headcount,
        "commune": check.commune,
        "x": place.x if place is not None else None,
        "y": place.y if place is not None else None,
    }


def set_hidden(petition: Petition, profile_id: int, hidden: bool, actor) -> bool:
    """The organiser hides (or shows again) a profile; logged. False if unknown."""
    profile = db.session.get(OrganisationProfile, profile_id)
    if profile is None or profile.petition_id != petition.id:
        return False
    if profile.hidden != hidden:
        profile.hidden = hidden
        profile.updated_at = utcnow()
        bump(petition.id)
        audit.record(
            [petition.id],
            audit.Kind.PANORAMA_HIDE if hidden else audit.Kind.PANORAMA_SHOW,
            actor,
            subject=profile.registered_name,
            siren=profile.siren,
        )
        db.session.commit()
    return True


def profiles(petition: Petition) -> list[OrganisationProfile]:
    """Every profile of the petition, hidden ones included (the organiser's page)."""
    return db.session.scalars(
        select(OrganisationProfile)
        .where(OrganisationProfile.petition_id == petition.id)
        .order_by(OrganisationProfile.registered_name, OrganisationProfile.id)
    ).all()


def prune(petition_id: int | None = None) -> int:
    """Delete profiles whose organisation has no verified signer left (withdrawn,
    invalidated, erased); the caller commits. Returns how many went."""
    signer_left = exists().where(
        OrganisationCheck.petition_id == OrganisationProfile.petition_id,
        OrganisationCheck.siren == OrganisationProfile.siren,
        OrganisationCheck.status == RegisterStatus.ACTIVE,
        Signature.id == OrganisationCheck.signature_id,
        Signature.state == SignatureState.VERIFIED,
        Signature.email.is_not(None),
    )
    query = select(OrganisationProfile.id, OrganisationProfile.petition_id).where(~signer_left)
    if petition_id is not None:
        query = query.where(OrganisationProfile.petition_id == petition_id)
    orphans = db.session.execute(query).all()
    if not orphans:
        return 0
    db.session.execute(
        OrganisationProfile.__table__.delete().where(
            OrganisationProfile.id.in_([row.id for row in orphans])
        )
    )
    for pid in {row.petition_id for row in orphans}:
        bump(pid)
    return len(orphans)


def bump(petition_id: int) -> None:
    """Move the petition's panorama generation on (in the caller's transaction)."""
    moved = db.session.execute(
        update(PanoramaSettings)
        .where(PanoramaSettings.petition_id == petition_id)
        .values(generation=secrets.token_hex(8))
        .execution_options(synchronize_session=False)
    ).rowcount
    if not moved:
        _create_settings(petition_id)


def _create_settings(petition_id: int, **values) -> None:
    try:
        with db.session.begin_nested():
            db.session.add(
                PanoramaSettings(petition_id=petition_id, generation=secrets.token_hex(8), **values)
            )
    except IntegrityError:  # made meanwhile by another request: move it on instead
        bump(petition_id)
        if values:
            db.session.execute(
                update(PanoramaSettings)
                .where(PanoramaSettings.petition_id == petition_id)
                .values(**values)
            )


def set_licence(petition: Petition, licence: str) -> None:
    settings = db.session.get(PanoramaSettings, petition.id)
    if settings is None:
        _create_settings(petition.id, licence=licence)
    else:
        settings.licence = licence
        bump(petition.id)
    db.session.commit()


def seed_demo_profile(signature: Signature, profile: dict) -> OrganisationProfile:
    """The demo: `signature` (verified) speaks for the organisation `profile`
    describes (demo.DEMO_PROFILE); its register check and establishment are
    written as the worker and the import would, then the profile published."""
    if db.session.get(SireneEstablishment, profile["siret"]) is None:
        db.session.add(
            SireneEstablishment(
                siret=profile["siret"],
                siren=profile["siren"],
                state="A",
                commune=profile["commune"],
                naf=profile["naf"],
                headcount=profile["headcount"],
                usual_name=profile["name"],
                diffusion="O",
                head_office=True,
                x=profile["x"],
                y=profile["y"],
            )
        )
    if db.session.get(OrganisationCheck, signature.id) is None:
        db.session.add(
            OrganisationCheck(
                signature_id=signature.id,
                petition_id=signature.petition_id,
                status=RegisterStatus.ACTIVE,
                siren=profile["siren"],
                siret=profile["siret"],
                registered_name=profile["name"],
                partial_diffusion=False,
                naf=profile["naf"],
                headcount=profile["headcount"],
                commune=profile["commune"],
                in_territory=True,
                checked_at=utcnow(),
            )
        )
    db.session.commit()
    return publish(signature, profile["description"], profile["website"], profile["category"])
