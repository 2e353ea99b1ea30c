"""Build petition/geo/data/geography.json.gz from Etalab's pinned npm package.

    python -m petition.geo.build                 # npm pack the pinned version, build
    python -m petition.geo.build --tarball FILE  # build from a tarball already fetched

The source is `@etalab/decoupage-administratif` (MIT licence, Etalab), fetched
with `npm pack` at the version and SHA-256 pinned below: never at run time. The
derivative keeps what the app needs and nothing else, in a compact JSON file:

- communes: every `commune-actuelle` and every `arrondissement-municipal`
  (Paris, Lyon, Marseille), with INSEE code, name, département, region, EPCI
  (SIREN, from the EPCI member lists), population, postal codes and, for an
  arrondissement, the commune it belongs to;
- EPCIs: SIREN, name, kind (CC, CA, CU, METRO, MET69) and member communes;
- départements and regions: code and name.

Run it when Etalab publishes a new version: change VERSION and SHA256, rebuild,
run the tests, commit the data file with the script.
"""

import argparse
import gzip
import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "@etalab/decoupage-administratif"
VERSION = "6.0.0"
SHA256 = "c189ffd5b33fe40c2f19e1a923ce557f190622f39228745d3195d746dfe00c4a"
LICENSE = "MIT (Etalab): https://github.com/etalab/decoupage-administratif"
OUTPUT = Path(__file__).resolve().parent / "data" / "geography.json.gz"


def fetch(workdir, package=PACKAGE, version=VERSION):
    """`npm pack` the pinned version into `workdir`; returns the tarball's path."""
    out = (
        subprocess.run(
            ["npm", "pack", f"{package}@{version}", "--pack-destination", str(workdir)],
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    return Path(workdir) / out


def _read_json(tar, name):
    member = tar.getmember(f"package/data/{name}")
    return json.load(tar.extractfile(member))


def load_package(tarball):
    digest = hashlib.sha256(Path(tarball).read_bytes()).hexdigest()
    if digest != SHA256:
        raise SystemExit(f"{tarball}: SHA-256 {digest} is not the pinned {SHA256}")
    with tarfile.open(tarball) as tar:
        return {
            name: _read_json(tar, f"{name}.json")
            for name in ("communes", "epci", "departements", "regions")
        }


def derive(package):
    """The compact derivative: lists of lists, sorted, no unused keys."""
    epci_of = {}
    epcis = []
    for e in sorted(package["epci"], key=lambda e: e["code"]):
        members = sorted(m["code"] for m in e["membres"])
        for code in members:
            epci_of[code] = e["code"]
        epcis.append([e["code"], e["nom"], e["type"], members])
    communes = []
    for c in package["communes"]:
        if c["type"] not in ("commune-actuelle", "arrondissement-municipal"):
            continue
        parent = c.get("commune", "")
        communes.append(
            [
                c["code"],
                c["nom"],
                c.get("departement", ""),
                c.get("region", ""),
                epci_of.get(parent or c["code"], ""),
                c.get("population") or 0,
                sorted(c.get("codesPostaux") or []),
                parent,
            ]
        )
    communes.sort(key=lambda c: c[0])
    return {
        "source": {"package": PACKAGE, "version": VERSION, "sha256": SHA256, "license": LICENSE},
        "communes": communes,
        "epci": epcis,
        "departements": sorted([d["code"], d["nom"], d["region"]] for d in package["departements"]),
        "regions": sorted([r["code"], r["nom"]] for r in package["regions"]),
    }


def write(data, output=OUTPUT):
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    output.parent.mkdir(parents=True, exist_ok=True)
    # mtime=0: the same input gives the same bytes (a rebuild shows no diff).
    with (
        open(output, "wb") as handle,
        gzip.GzipFile(fileobj=handle, mode="wb", mtime=0, filename="") as gz,
    ):
        gz.write(raw)
    return output


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tarball", type=Path, help="a tarball already fetched by npm pack")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as workdir:
        tarball = args.tarball or fetch(workdir)
        data = derive(load_package(tarball))
    path = write(data, args.output)
    print(
        f"{path}: {len(data['communes'])} communes, {len(data['epci'])} EPCI, "
        f"{path.stat().st_size:,} bytes ({PACKAGE}@{VERSION})",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
