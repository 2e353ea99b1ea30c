"""What organizer pages show for the states the code stores: "vérifiée", not
"verified"; "ouverte", not "open". Categories have theirs in categories.py.
Templates call `state_label(signature.state)`, `petition_state_label(...)`,
`category_label(key)`: no internal key reaches a page (tests/test_readable.py)."""

from flask_babel import lazy_gettext as _l

from .categories import label as category_label
from .models import PetitionState, SignatureState

STATE_LABELS = {
    SignatureState.PENDING: _l("en attente de confirmation"),
    SignatureState.VERIFIED: _l("vérifiée"),
    SignatureState.WITHDRAWN: _l("retirée"),
    SignatureState.INVALIDATED: _l("invalidée"),
}

PETITION_STATE_LABELS = {
    PetitionState.DRAFT: _l("brouillon"),
    PetitionState.OPEN: _l("ouverte"),
    PetitionState.CLOSED: _l("close"),
}


def state_label(state: str) -> str:
    return str(STATE_LABELS.get(state, state))


def petition_state_label(state: str) -> str:
    return str(PETITION_STATE_LABELS.get(state, state))


def init_app(app):
    app.jinja_env.globals.update(
        state_label=state_label,
        petition_state_label=petition_state_label,
        category_label=lambda key: str(category_label(key)),
    )
