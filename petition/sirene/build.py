"""Build petition/sirene/data/naf.json.gz: INSEE's NAF rév. 2 labels, pinned.

    python -m petition.sirene.build                 # npm pack the pinned version, build
    python -m petition.sirene.build --tarball FILE  # from a tarball already fetched

The source is the npm package `@socialgouv/codes-naf` (Apache-2.0, the French
social ministries' digital team), which ships INSEE's nomenclature (divisions,
groups, classes and the 732 sub-classes such as `62.01Z`) with its French
labels. Fetched at the version and SHA-256 below by `npm pack`, never at run
time. The 21 section labels (A–U) are not in it: naf.py writes them from the
official nomenclature, in French and English.
"""

import argparse
import hashlib
import json
import sys
import tarfile
import tempfile
from pathlib import Path

from ..geo.build import fetch, write

PACKAGE = "@socialgouv/codes-naf"
VERSION = "1.1.1"
SHA256 = "3ac2f85f20a14058964098412a6d56dfc9302eb180bcc78f581aa77c8e13e1ac"
LICENSE = "Apache-2.0 (SocialGouv): https://github.com/SocialGouv/codes-naf"
OUTPUT = Path(__file__).resolve().parent / "data" / "naf.json.gz"


def derive(tarball):
    digest = hashlib.sha256(Path(tarball).read_bytes()).hexdigest()
    if digest != SHA256:
        raise SystemExit(f"{tarball}: SHA-256 {digest} is not the pinned {SHA256}")
    with tarfile.open(tarball) as tar:
        codes = json.load(tar.extractfile(tar.getmember("package/index.json")))
    return {
        "source": {"package": PACKAGE, "version": VERSION, "sha256": SHA256, "license": LICENSE},
        "labels": {c["id"]: c["label"] for c in sorted(codes, key=lambda c: c["id"])},
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tarball", type=Path, help="a tarball already fetched by npm pack")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as workdir:
        data = derive(args.tarball or fetch(workdir, PACKAGE, VERSION))
    path = write(data, args.output)
    print(f"{path}: {len(data['labels'])} codes ({PACKAGE}@{VERSION})", file=sys.stderr)


if __name__ == "__main__":
    main()
