"""What erasing a signer's personal data means, in one place.

Every column of every table holding signer data is listed here: either
ERASED (with the value it gets) or KEPT (with the reason). Withdrawal and
retention both erase through `ERASED`; tests/test_erasure.py walks the models
and fails on a column listed nowhere, so a new personal column cannot be
forgotten by one of them.
"""

from sqlalchemy import ColumnElement, delete, or_, select

from ..extensions import db
from ..models import AuditSample, OrganisationCheck, Signature

#: Signature columns emptied on withdrawal and at the end of retention.
ERASED = {
    "first_name": None,
    "last_name": None,
    "email": None,
    "canonical_email": None,  # also the dedup key: the person may sign again
    "organisation": None,
    "siren": None,  # a sole trader's SIREN names a person
    "public": False,  # nothing left to show on the public list
    "news_opt_in": False,  # no news to an erased signer (there is no address left anyway)
    "ip_hash": None,
    "email_domain": None,  # a personal domain names its owner
    "email_error": None,  # an SMTP refusal often quotes the address
    "email_failed_at": None,  # else the row stays listed among refused emails
    "invalidation_reason": None,  # free text an organizer wrote about this signer
    "flagged": False,  # a flag points at this signer's IP or domain
}

PROFILE = (
    "an organisation's profile its signer chose to publish, not personal data; "
    "deleted when its last verified signer leaves (services/panorama.prune)"
)

#: "table.column" -> why it stays once the personal data are erased.
KEPT = {
    "organisation_profiles.id": PROFILE,
    "organisation_profiles.petition_id": PROFILE,
    "organisation_profiles.siren": PROFILE,
    "organisation_profiles.created_by": PROFILE,
    "organisation_profiles.description": PROFILE,
    "organisation_profiles.website": PROFILE,
    "organisation_profiles.category": PROFILE,
    "organisation_profiles.hidden": PROFILE,
    "organisation_profiles.siret": PROFILE,
    "organisation_profiles.registered_name": PROFILE,
    "organisation_profiles.naf": PROFILE,
    "organisation_profiles.headcount": PROFILE,
    "organisation_profiles.commune": PROFILE,
    "organisation_profiles.x": PROFILE,
    "organisation_profiles.y": PROFILE,
    "organisation_profiles.created_at": PROFILE,
    "organisation_profiles.updated_at": PROFILE,
    "signatures.id": "the row's key: moderation items and links point to it",
    "signatures.petition_id": "which petition the row counted for",
    "signatures.status": "counts stay exactly what they were; a replayed link reads it",
    "signatures.postal_code": "the count by commune; without a name it identifies nobody",
    "signatures.commune": "the count by commune; without a name it identifies nobody",
    "signatures.insee": "the count by commune; without a name it identifies nobody",
    "signatures.local": "the local part of the count; a yes or no",
    "signatures.category": "the count by category; not identifying",
    "signatures.locale": "a language code; not identifying",
    "signatures.created_at": "the chart per day and the retention delays; a date alone",
    "signatures.verified_at": "the chart per day; a date alone",
    "signatures.withdrawn_at": "when the withdrawal happened; a date alone",
    "signatures.invalidated_at": "the moderation history; a date alone",
    "signatures.email_count": "the cap on emails per signature; a number",
    "signatures.email_queued_at": "the sweeper's bookkeeping; a date alone",
    "signatures.email_sent_at": "the sweeper's bookkeeping; a date alone",
    "signatures.token_nonce": "random; binds links to this row (a replayed link "
    "of an erased row says so, a reused id never matches)",
    "signatures.source": "online or paper: the paper part of the count; not identifying",
    "signatures.sheet_ref": "where the paper sheet's line is filed (the organiser destroys "
    "that line); a reference alone names nobody",
    "signatures.collected_on": "the day a paper sheet was signed; a date alone",
    "signatures.event_name": "the event a paper sheet was signed at; names no signer",
    "signatures.paper_review": "why a paper row was flagged (a code); not identifying",
    "signatures.duplicate_of_id": "the row a paper duplicate repeats; an id, no data",
    "moderation_items.action_id": "the moderation log, so an action can be undone",
    "moderation_items.signature_id": "the moderation log, so an action can be undone",
    "moderation_items.previous_status": "the state to restore; not personal",
    "update_deliveries.id": "the row's key",
    "update_deliveries.update_id": "which update: the progress the organizers see",
    "update_deliveries.signature_id": "sent once per signature; an id, no address",
    "update_deliveries.state": "the update's progress; not personal",
    "update_deliveries.claimed_by": "a job id, no address",
    "update_deliveries.claimed_at": "the sending's bookkeeping; a date alone",
    "update_deliveries.sent_at": "the sending's bookkeeping; a date alone",
    "update_deliveries.unsubscribed_at": "the update's progress; a date alone",
    "update_deliveries.error": "an SMTP code and our own words, never the server's text "
    "(services/news.py)",
}


#: Tables whose rows exist only for one signer: deleted whole with the signer's
#: data (every column is about the signer), instead of emptied column by column.
DELETED = {
    "organisation_checks": "what the register said of the signer's SIREN: a sole "
    "trader's SIREN and registered name name a person; counts never needed it once "
    "the signature stopped counting",
    "audit_samples": "a sample audit's question and answer; the signer leaves the "
    "sample and its figures (services/sample_audits.py)",
}

#: The models of DELETED, each with its `signature_id`.
_LINKED = (OrganisationCheck, AuditSample)


def delete_linked(where: ColumnElement[bool]) -> None:
    """Delete the DELETED rows of the signatures matching `where`; the caller
    erases those signatures and commits, in the same transaction. (A deleted
    signature loses them by the foreign keys' ON DELETE CASCADE.)"""
    for model in _LINKED:
        db.session.execute(
            delete(model)
            .where(model.signature_id.in_(select(Signature.id).where(where)))
            .execution_options(synchronize_session=False)
        )


def not_erased() -> ColumnElement[bool]:
    """SQL: rows still holding any personal data."""
    return or_(
        *(
            getattr(Signature, name).is_not(None)
            if value is None
            else getattr(Signature, name) != value
            for name, value in ERASED.items()
        )
    )


def is_erased(signature: Signature) -> bool:
    """Whether the row's personal data were erased (withdrawal or retention).

    Every signature is made with an address and only erasure removes it; a
    leftover of an older erasure rule is cleaned by the retention chore
    (retention.erase_withdrawn, and erase_expired uses `not_erased`).
    """
    return signature.email is None
