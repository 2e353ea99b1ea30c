"""Kept for jobs queued before petition/jobs/ (issue 17) under this dotted
path; remove after one release."""

from .jobs.organizers import (  # noqa: F401
    send_access_invitation,
    send_invitation,
    send_password_reset,
    send_signin_link,
)
