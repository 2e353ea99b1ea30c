"""The data model, one module per area; import names from here."""

from .abuse import EventWindow  # noqa: F401
from .alerts import (  # noqa: F401
    DEFAULT_PERCENTS,
    Delivery,
    DeliveryState,
    Endpoint,
    Milestone,
    MilestoneKind,
    WebhookEvent,
)
from .core import (  # noqa: F401
    CATEGORIES,
    MAX_ID,
    Commune,
    Petition,
    PetitionState,
    Signature,
    SignatureState,
    utcnow,
)
from .organizer import (  # noqa: F401
    ExportLog,
    ModerationAction,
    ModerationItem,
    Organizer,
    PendingGrant,
    organizer_petitions,
)
