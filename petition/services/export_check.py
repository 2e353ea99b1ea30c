"""Checking an export on the web: an organizer uploads a CSV and its manifest,
and learns whether the file is exactly the export the manifest describes
(exports.verify, the same check as `flask petition verify-export`) or where
it differs: the manifest edited or from another site, another petition, the
byte-order mark gone, another separator, rows added or removed.
"""

import codecs
import csv
import io
import json
from dataclasses import dataclass, field
from typing import IO, Any

from flask_babel import gettext as _

from ..models import Petition
from ..numbers import number
from . import exports


@dataclass
class CheckResult:
    ok: bool
    findings: list[str] = field(default_factory=list)
    manifest: dict[str, Any] = field(default_factory=dict)


def read_manifest(raw: bytes) -> dict[str, Any]:
    """The manifest as a dict; raises ValueError with a message for people."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ValueError(_("Le manifeste n’est pas un fichier JSON valide.")) from None
    if not isinstance(data, dict) or "sha256" not in data:
        raise ValueError(_("Ce fichier JSON n’est pas un manifeste d’export.")) from None
    return data


def check(petition: Petition, csv_file: IO[bytes], manifest_raw: bytes) -> CheckResult:
    """Is `csv_file` exactly the export `manifest_raw` describes, for this petition?"""
    try:
        data = read_manifest(manifest_raw)
    except ValueError as exc:
        return CheckResult(False, [str(exc)])
    if data.get("petition") != petition.slug:
        return CheckResult(
            False,
            [_("Ce manifeste concerne une autre pétition (%(p)s).", p=str(data.get("petition")))],
            data,
        )
    seen = {"head": b"", "lines": 0}

    def chunks():  # read once: hashed by exports.verify, measured here
        while chunk := csv_file.read(1 << 16):
            seen["head"] = seen["head"] or chunk
            seen["lines"] += chunk.count(b"\n")
            yield chunk

    ok, reason = exports.verify(chunks(), data)
    if ok:
        return CheckResult(True, [], data)
    if reason == exports.ManifestCheck.SIGNATURE:
        message = _(
            "La signature du manifeste ne correspond pas : il a été modifié, "
            "ou vient d’un autre site."
        )
        return CheckResult(False, [message], data)
    return CheckResult(False, _differences(seen["head"], seen["lines"], data), data)


def _differences(head, lines, data):
    """Where the file differs from what the manifest describes, as far as the
    file itself tells (the original bytes are not kept)."""
    found = [_("Le fichier diffère de l’export : son empreinte SHA-256 ne correspond pas.")]
    if not head.startswith(codecs.BOM_UTF8):
        found.append(
            _("Le marqueur UTF-8 (BOM) du début a disparu : le fichier a été réenregistré.")
        )
    text = head.decode("utf-8-sig", errors="replace")
    first_line = text.splitlines()[0] if text else ""
    delimiter = (data.get("filters") or {}).get("delimiter", ";")
    if first_line and delimiter not in first_line:
        found.append(_("Le séparateur n’est plus celui de l’export (« %(d)s »).", d=delimiter))
    expected = data.get("rows")
    if isinstance(expected, int):
        got = _rows(head, lines, delimiter)
        if got is not None and got != expected:
            found.append(
                _(
                    "L’export comptait %(e)s lignes de signataires ; ce fichier en a %(g)s.",
                    e=number(expected),
                    g=number(got),
                )
            )
    return found


def _rows(head, lines, delimiter):
    """Signer rows in the file: exact when it fits in the first chunk, else
    the line count (a quoted line break is rare in these files)."""
    if lines and len(head) < (1 << 16):
        reader = csv.reader(
            io.StringIO(head.decode("utf-8-sig", errors="replace")), delimiter=delimiter
        )
        return max(0, sum(1 for _row in reader) - 1)
    return max(0, lines - 1) if lines else None
