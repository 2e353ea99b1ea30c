"""The data model, one module per area; import names from here."""

from .abuse import EventWindow  # noqa: F401
from .alerts import (  # noqa: F401
    DEFAULT_PERCENTS,
    Delivery,
    Endpoint,
    Milestone,
    MilestoneKind,
    WebhookDeliveryState,
    WebhookEvent,
)
from .attestation import Attestation  # noqa: F401
from .core import (  # noqa: F401
    CATEGORIES,
    MAX_ID,
    Commune,
    GoalScope,
    PaperReview,
    Petition,
    PetitionState,
    Signature,
    SignatureSource,
    SignatureState,
    TerritoryArea,
    utcnow,
)
from .news import DeliveryState, PetitionUpdate, UpdateDelivery, UpdateState  # noqa: F401
from .organizer import (  # noqa: F401
    AuditEvent,
    ExportLog,
    ModerationAction,
    ModerationItem,
    Organizer,
    PendingGrant,
    organizer_petitions,
)
from .panorama import Licence, OrganisationProfile, PanoramaSettings  # noqa: F401
from .privacy import Erasure  # noqa: F401
from .sample_audit import Answer, AuditSample, AuditState, SampleAudit, SampleState  # noqa: F401
from .sirene import (  # noqa: F401
    OrganisationCheck,
    RegisterSource,
    RegisterStatus,
    SireneEstablishment,
    SireneImport,
    SireneImportChunk,
    SireneUnit,
)
