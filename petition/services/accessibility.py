"""The accessibility statement (déclaration d'accessibilité, RGAA 4.1) and the
status every footer links to ("Accessibilité : non conforme").

Its facts come from two places, neither invented here:

- the conformity status, which French law ties to a full RGAA audit: the
  operator sets ACCESSIBILITY_RGAA_RATE (and ACCESSIBILITY_RGAA_DATE) after one.
  Without it the site is "non conforme", as the RGAA says of a site never
  audited, whatever the automated tests find;
- the results of the last automated audit: the report that
  tests/browser/test_accessibility.py writes when asked (`make audit`): its
  date, the pages, languages and widths, the axe-core rules run and every
  violation found. Committed as docs/accessibility-audit.json
  (ACCESSIBILITY_REPORT); without it the statement says no audit ran.
"""

import json
import logging
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l

log = logging.getLogger(__name__)


class Status(StrEnum):
    """The three states of the RGAA's conformity scale."""

    NONE = "none"  # under 50 % of the criteria, or never audited
    PARTIAL = "partial"  # 50 % or more
    FULL = "full"  # every criterion


LABELS = {
    Status.NONE: _l("non conforme"),
    Status.PARTIAL: _l("partiellement conforme"),
    Status.FULL: _l("totalement conforme"),
}


@dataclass(frozen=True)
class Conformity:
    status: Status
    rate: float | None = None  # share of the RGAA criteria met, in %
    audited_on: date | None = None

    @property
    def label(self) -> str:
        return str(LABELS[self.status])


@dataclass(frozen=True)
class Statement:
    conformity: Conformity
    report: dict[str, Any] | None
    entity: str
    contact: str | None
    site: str


def conformity() -> Conformity:
    """The status from the operator's last full RGAA audit, if any."""
    config = current_app.config
    rate = config.get("ACCESSIBILITY_RGAA_RATE")
    if rate is None:
        return Conformity(Status.NONE)
    status = Status.FULL if rate >= 100 else Status.PARTIAL if rate >= 50 else Status.NONE
    return Conformity(status, rate, config.get("ACCESSIBILITY_RGAA_DATE"))


def report() -> dict[str, Any] | None:
    """The last automated audit's report, or None when there is none (or it
    cannot be read: the statement then says so rather than guess)."""
    path = Path(current_app.config["ACCESSIBILITY_REPORT"])
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        data["date"] = date.fromisoformat(data["date"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        log.warning("Unreadable accessibility report %s", path, exc_info=True)
        return None
    return data


def statement() -> Statement:
    config = current_app.config
    return Statement(
        conformity=conformity(),
        report=report(),
        entity=config["ACCESSIBILITY_ENTITY"],
        contact=config.get("ACCESSIBILITY_CONTACT"),
        site=config["BASE_URL"],
    )
