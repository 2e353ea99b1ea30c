"""Kept for jobs queued before petition/jobs/ (issue 17) under this dotted
path; remove after one release."""

from .jobs.counts import reconcile_counts  # noqa: F401
