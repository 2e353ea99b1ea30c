"""Builds petition/static/js/widget.min.js, the script /widget.js serves:
widget.js with count.js inlined, minified by terser (pinned by
tools/widget/package-lock.json, installed by `npm ci` into .cache/widget).

Run `make widget` (or `python -m petition.dev.widget`) after changing
widget.js or count.js, and commit the result: the server only reads the file
and puts the labels in (views/embed.py), nothing runs at request time. The
first line names the sources' SHA-256, so a test sees a stale build
(tests/test_overview.py), and the size limit is tested on what is served.
"""

import hashlib
import subprocess
import sys
import tempfile
from pathlib import Path

from ..config import ROOT

SCRIPTS = ROOT / "petition" / "static" / "js"
SOURCES = (SCRIPTS / "widget.js", SCRIPTS / "count.js")
OUTPUT = SCRIPTS / "widget.min.js"
TOOL = ROOT / "tools" / "widget"
CACHE = ROOT / ".cache" / "widget"
COUNT_PLACEHOLDER = '"__COUNT_JS__";'
HEADER = "/* widget.js + count.js, sha256 {digest}: built by `make widget` */\n"


def digest() -> str:
    """SHA-256 of the sources, as the built file's first line names it."""
    h = hashlib.sha256()
    for path in SOURCES:
        h.update(path.read_bytes())
    return h.hexdigest()


def built_digest() -> str | None:
    """The digest the committed widget.min.js was built from, or None."""
    if not OUTPUT.exists():
        return None
    first = OUTPUT.read_text(encoding="utf-8").split("\n", 1)[0]
    parts = first.split("sha256 ")
    return parts[1].split(":", 1)[0] if len(parts) == 2 else None


def bundle() -> str:
    """widget.js with count.js inside its function (no global on the host page)."""
    widget, count = (p.read_text(encoding="utf-8") for p in SOURCES)
    if COUNT_PLACEHOLDER not in widget:
        raise SystemExit(f"{SOURCES[0]}: the {COUNT_PLACEHOLDER} placeholder is missing")
    return widget.replace(COUNT_PLACEHOLDER, count)


def terser() -> Path:
    """The pinned terser, installed from the lock file on first use."""
    binary = CACHE / "node_modules" / ".bin" / "terser"
    if not binary.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        for name in ("package.json", "package-lock.json"):
            (CACHE / name).write_bytes((TOOL / name).read_bytes())
        subprocess.run(["npm", "ci", "--ignore-scripts", "--no-audit"], cwd=CACHE, check=True)
    return binary


def build() -> int:
    with tempfile.NamedTemporaryFile("w", suffix=".js", encoding="utf-8") as source:
        source.write(bundle())
        source.flush()
        minified = subprocess.run(
            [
                str(terser()),
                source.name,
                "--compress",
                "passes=3,unsafe_arrows",
                "--mangle",
                "--ecma",
                "2015",
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    if '"__LABELS__"' not in minified:
        raise SystemExit("terser removed the labels placeholder: see views/embed.py")
    OUTPUT.write_text(HEADER.format(digest=digest()) + minified.strip() + "\n", encoding="utf-8")
    return OUTPUT.stat().st_size


if __name__ == "__main__":
    size = build()
    print(f"{OUTPUT.relative_to(ROOT)}: {size} bytes (labels added when served)", file=sys.stderr)
