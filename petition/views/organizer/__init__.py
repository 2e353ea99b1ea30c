"""The organizer area under /organizer/: every page needs a login, except
the login, password-reset and invitation pages listed in PUBLIC_ENDPOINTS
(tests check that every other /organizer/ route redirects an anonymous
visitor to the login page). The blueprint lives in area.py; importing the
route modules here registers their routes on it. The protection panel
(protection.py) has its own blueprint, "abuse", for its endpoint names."""

from . import (  # noqa: F401
    admin,
    alerts,
    attestations,
    auth,
    dashboard,
    exports,
    moderation,
    news,
    panorama,
    paper,
    petitions,
    protection,
    sample_audits,
    team,
)
from .area import PUBLIC_ENDPOINTS, bp  # noqa: F401
