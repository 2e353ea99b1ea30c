"""Kept for jobs queued before petition/jobs/ (issue 17) under this dotted
path; remove after one release."""

from .jobs.signatures import send_already_signed, send_confirmation  # noqa: F401
