"""`flask sirene import`: the official stock files into the register, streamed,
filtered, idempotent and resumable; then `register.lookup()` answers from them."""

import csv
import gc
import io
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select, text
from stdnum.fr import siret as siret_number

from petition.extensions import db
from petition.models import RegisterStatus, SireneEstablishment, SireneImport, SireneUnit
from petition.sirene import chunks, register, sample, stock
from petition.sirene.columns import ESTABLISHMENT_HEADER, UNIT_HEADER

SAINT_ETIENNE, FIRMINY, NICE = "42218", "42095", "06088"
ACTIVE, CLOSED, PARTIAL = sample.DEMO_UNITS[0], sample.DEMO_UNITS[1], sample.DEMO_UNITS[2]


@pytest.fixture
def extract(tmp_path):
    """(units, establishments) files: the 4 demo units there and 300 more in three communes."""
    return sample.write_extract(tmp_path / "x", {SAINT_ETIENNE, FIRMINY, NICE}, 300)


def _count(model, **where):
    query = select(func.count()).select_from(model).filter_by(**where)
    db.session.rollback()  # see what other connections committed
    try:
        return db.session.scalar(query)
    finally:
        # and hold no lock: a complete import on PostgreSQL swaps the table
        # (loaders.py), which waits for every open transaction that read it
        db.session.rollback()


def _rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_import_then_lookup_of_an_active_siret(app, runner, extract):
    units, places = extract
    result = runner.invoke(args=["sirene", "import", str(places), str(units)])
    assert result.exit_code == 0, result.output
    assert "establishments, 304 rows imported" in result.output
    assert "MiB" in result.output, "a progress line per chunk"
    assert siret_number.is_valid(ACTIVE.siret)
    entry = register.lookup(ACTIVE.siret)
    assert entry.status == RegisterStatus.ACTIVE
    assert (entry.name, entry.commune, entry.siret) == (ACTIVE.name, SAINT_ETIENNE, ACTIVE.siret)
    assert entry.naf == "62.01Z" and entry.source == "stock"
    assert 780_000 < entry.x < 840_000 and 6_450_000 < entry.y < 6_520_000, "Lambert-93"
    assert register.lookup(ACTIVE.siren).siret == ACTIVE.siret, "a SIREN points to its head office"


def test_closed_unknown_and_partial(app, runner, extract):
    units, places = extract
    assert runner.invoke(args=["sirene", "import", str(places), str(units)]).exit_code == 0
    assert register.lookup(CLOSED.siret).status == RegisterStatus.CLOSED
    unknown = sample._siret(sample._siren("91234567"), 1)
    assert register.lookup(unknown).status == RegisterStatus.NOT_FOUND
    partial = register.lookup(PARTIAL.siret)
    assert partial.status == RegisterStatus.ACTIVE and partial.partial_diffusion
    assert partial.name is None, "[ND] is never stored as a name"
    assert partial.x is None, "nor as coordinates"
    unit = db.session.get(SireneUnit, PARTIAL.siren)
    assert unit.diffusion == "P" and unit.name is None


def test_reimport_replaces_rows(app, runner, extract, tmp_path):
    units, places = extract
    assert runner.invoke(args=["sirene", "import", str(places)]).exit_code == 0
    rows = _rows(places)
    rows[0]["etatAdministratifEtablissement"] = "F"
    rows[0]["activitePrincipaleEtablissement"] = "63.12Z"
    gone = rows.pop()["siret"]
    changed = tmp_path / "StockEtablissement_utf8.csv"
    _write(changed, rows)
    result = runner.invoke(args=["sirene", "import", str(changed)])
    assert result.exit_code == 0, result.output
    assert _count(SireneEstablishment) == len(rows), "no duplicate, nothing else lost"
    entry = register.lookup(rows[0]["siret"])
    assert (entry.status, entry.naf) == (RegisterStatus.CLOSED, "63.12Z")
    assert register.lookup(gone).status == RegisterStatus.NOT_FOUND, "left the register"


def _write(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=ESTABLISHMENT_HEADER)
        writer.writeheader()
        writer.writerows(rows)


class Killed(Exception):
    pass


def test_a_killed_import_resumes_where_it_stopped(app, extract):
    _units, places = extract
    seen = []

    def kill_after_two(progress):
        seen.append(progress.offset)
        if len(seen) == 2:
            raise Killed

    with pytest.raises(Killed):
        stock.import_file(places, chunk_size=64 * 1024 // 8, on_chunk=kill_after_two)
    assert gc.isenabled(), "the import pauses the cycle collector, never for good"
    job = db.session.scalar(select(SireneImport))
    partly = job.rows
    assert 0 < partly < 304
    assert job.offset == seen[-1] and job.finished_at is None
    # a complete import fills a fresh table and swaps it in at the end
    # (loaders.py): until then the register is what it was (empty here)
    assert _count(SireneEstablishment) == 0
    again = []
    done = stock.import_file(places, chunk_size=64 * 1024 // 8, on_chunk=again.append)
    assert done.resumed and done.done and done.rows == 304
    assert again[0].offset > seen[-1], "the second run starts at the committed offset"
    assert _count(SireneEstablishment) == 304
    assert _count(SireneImport) == 1


def test_chunks_loaded_at_once_resume_without_loading_one_twice(app, extract):
    """Several connections commit chunks in any order (PostgreSQL; SQLite has
    one): a killed import leaves committed chunks after a gap, and the resumed
    one, with another chunk size, loads exactly the rest (a chunk loaded twice
    would make its SIRETs twice: the primary key refuses the swap)."""
    app.config["SIRENE_IMPORT_WORKERS"] = 2
    _units, places = extract
    seen = []

    def kill_after_three(progress):
        seen.append(progress.rows)
        if len(seen) == 3:
            raise Killed

    with pytest.raises(Killed):
        stock.import_file(places, chunk_size=4096, on_chunk=kill_after_three)
    job = db.session.scalar(select(SireneImport))
    ledger = db.session.execute(
        text("SELECT start, stop, rows FROM sirene_import_chunks ORDER BY start")
    ).all()
    # the other connections commit the chunk in hand after the kill: the
    # ledger may hold more than the import's row heard of, never less
    assert len(ledger) >= 3 and job.rows <= sum(rows for _s, _e, rows in ledger)
    assert job.offset <= ledger[-1].stop, "the offset never passes a gap"
    done = stock.import_file(places, chunk_size=10_000)
    assert done.resumed and done.done and done.rows == 304
    assert _count(SireneEstablishment) == 304
    assert _count(SireneImport) == 1


def test_a_killed_import_stops_its_helper_and_resumes(app, extract, monkeypatch):
    """SQLite parses the next chunks in a helper process (chunks.py; files of
    16 MiB and more, any file here): a kill stops it, the resume loads the rest."""
    monkeypatch.setattr(stock, "HELPER_FROM", 0)
    _units, places = extract
    before = _children()  # the suite's own servers

    def kill_past_40_rows(progress):
        if progress.rows > 40:
            raise Killed

    with pytest.raises(Killed):
        stock.import_file(places, chunk_size=4096, on_chunk=kill_past_40_rows)
    assert _children() == before, "no helper left running"
    done = stock.import_file(places, chunk_size=4096)
    assert done.resumed and done.done and done.rows == 304
    assert _count(SireneEstablishment) == 304


def _children():
    found = []
    for task in Path("/proc/self/task").iterdir():
        try:
            found += (task / "children").read_text().split()
        except FileNotFoundError:  # a thread that ended meanwhile
            continue
    return sorted(found)


def test_pieces_skip_committed_chunks_whatever_their_size():
    data = b"".join(b"%05d,row\n" % i for i in range(100))  # 10 bytes a record
    stream = io.BytesIO(data)
    done = {100: 250, 400: 430, 990: 1000}  # cut by an earlier run, 3 sizes
    got = list(chunks.pieces(stream, 0, len(data), 64, done))
    covered = sorted([(start, start + len(c)) for start, c in got] + list(done.items()))
    assert covered[0][0] == 0 and covered[-1][1] == len(data)
    assert all(a[1] == b[0] for a, b in zip(covered, covered[1:], strict=False)), (
        "no gap, no overlap"
    )
    assert all(c.endswith(b"\n") and data[s : s + len(c)] == c for s, c in got)


def test_malformed_values_are_kept_out_and_the_row_kept(app, tmp_path):
    """PostgreSQL first writes a chunk trusting its casts (loaders.py); a value
    they refuse sends the chunk through the careful conversion, as on SQLite."""
    rows = []
    for n, (x, name) in enumerate(
        [
            ("812345.5", "Bon"),
            ("abc", "Coordonnée illisible"),
            ("NaN", "Pas un nombre"),
            ("1", "N" * 300),
        ]
    ):
        row = dict.fromkeys(ESTABLISHMENT_HEADER, "")
        siren = sample._siren(f"9300001{n}")
        siret = sample._siret(siren, 1)
        row.update(
            siren=siren,
            nic=siret[9:],
            siret=siret,
            statutDiffusionEtablissement="O",
            codeCommuneEtablissement=SAINT_ETIENNE,
            etatAdministratifEtablissement="A",
            etablissementSiege="true",
            denominationUsuelleEtablissement=name,
            coordonneeLambertAbscisseEtablissement=x,
            coordonneeLambertOrdonneeEtablissement="6480000",
        )
        rows.append(row)
    places = tmp_path / "StockEtablissement_utf8.csv"
    with open(places, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=ESTABLISHMENT_HEADER)
        writer.writeheader()
        writer.writerows(rows)
    assert stock.import_file(places).rows == 4
    found = {e.usual_name[:30]: e for e in db.session.scalars(select(SireneEstablishment))}
    assert found["Bon"].x == 812345.5 and found["Bon"].y == 6480000
    assert found["Coordonnée illisible"].x is None and found["Coordonnée illisible"].y == 6480000
    assert found["Pas un nombre"].x is None
    assert len(found["N" * 30].usual_name) == 250, "cut to the column's length"


def _api_row(siret, state="A"):
    return SireneEstablishment(
        siret=siret, siren=siret[:9], nic=siret[9:], state=state, commune=NICE, source="api"
    )


def test_an_interrupted_reimport_keeps_the_register_answering(app, extract, tmp_path):
    """A complete re-import killed half-way: every number of the previous import
    still answers; resumed, it ends as a whole import would, API answers kept."""
    _units, places = extract
    stock.import_file(places)
    rows = _rows(places)
    gone = rows.pop()["siret"]
    rows[0]["etatAdministratifEtablissement"] = "F"
    replaced = rows[1]["siret"]
    only_api = sample._siret(sample._siren("91234567"), 1)
    db.session.add_all([_api_row(only_api)])
    db.session.commit()
    db.session.execute(
        SireneEstablishment.__table__.update()
        .where(SireneEstablishment.siret == replaced)
        .values(source="api", state="F")
    )
    db.session.commit()
    changed = tmp_path / "StockEtablissement_utf8.csv"
    _write(changed, rows)

    def kill(_progress):
        raise Killed

    with pytest.raises(Killed):
        stock.import_file(changed, chunk_size=8192, on_chunk=kill)
    db.session.rollback()
    assert register.lookup(gone).status == RegisterStatus.ACTIVE, "not gone before the end"
    assert register.lookup(only_api).status == RegisterStatus.ACTIVE
    db.session.rollback()
    done = stock.import_file(changed, chunk_size=8192)
    assert done.resumed and done.rows == 303 and done.removed == 1
    db.session.rollback()
    assert register.lookup(gone).status == RegisterStatus.NOT_FOUND, "left the register"
    assert register.lookup(rows[0]["siret"]).status == RegisterStatus.CLOSED
    assert db.session.get(SireneEstablishment, only_api).source == "api", "API answer kept"
    assert db.session.get(SireneEstablishment, replaced).source == "stock", "the file wins"
    assert _count(SireneEstablishment) == 304


def _schema():
    """Index names of the register's table, and the tables whose name says import."""
    db.session.rollback()
    found = inspect(db.engine)
    indexes = {i["name"] for i in found.get_indexes("sirene_establishments")}
    loading = {t for t in found.get_table_names() if "_load" in t}
    return indexes, loading


def test_the_swapped_in_table_is_indexed_as_the_migrations_make_it(app, extract):
    _units, places = extract
    before, _ = _schema()
    assert {"ix_sirene_establishments_siren", "ix_sirene_establishments_commune"} <= before
    stock.import_file(places, chunk_size=8192)
    assert _schema() == (before, set()), "same indexes, no table left behind"
    assert register.lookup(ACTIVE.siren).siret == ACTIVE.siret


def test_a_reader_left_open_does_not_stop_a_complete_import(app, extract, tmp_path):
    """PostgreSQL cannot swap a table a transaction still reads: after a few
    short waits the import goes into the register row by row instead."""
    _units, places = extract
    stock.import_file(places)
    rows = _rows(places)
    gone = rows.pop()["siret"]
    changed = tmp_path / "StockEtablissement_utf8.csv"
    _write(changed, rows)
    db.session.rollback()
    assert register.lookup(gone).status == RegisterStatus.ACTIVE  # a transaction left open
    done = stock.import_file(changed)
    assert done.done and done.removed == 1
    assert _count(SireneEstablishment) == 303
    assert register.lookup(gone).status == RegisterStatus.NOT_FOUND
    assert _schema()[1] == set(), "no table left behind"


def test_a_resume_without_its_fresh_table_starts_over(app, extract):
    _units, places = extract

    def kill(_progress):
        raise Killed

    with pytest.raises(Killed):
        stock.import_file(places, chunk_size=8192, on_chunk=kill)
    (fresh,) = _schema()[1]
    db.session.execute(text(f'DROP TABLE "{fresh}"'))
    db.session.commit()
    done = stock.import_file(places, chunk_size=8192)
    assert not done.resumed and done.rows == 304
    assert _count(SireneEstablishment) == 304


def test_a_changed_file_starts_over(app, extract):
    units, places = extract

    def kill(_progress):
        raise Killed

    with pytest.raises(Killed):
        stock.import_file(places, chunk_size=8192, on_chunk=kill)
    with open(places, "a", encoding="utf-8") as f:
        f.write("\n")
    done = stock.import_file(places, chunk_size=8192)
    assert not done.resumed and done.rows == 304
    assert _count(SireneImport) == 2


def test_filter_by_communes_keeps_only_those(app, runner, extract):
    units, places = extract
    result = runner.invoke(
        args=["sirene", "import", "--communes", SAINT_ETIENNE, str(places), str(units)]
    )
    assert result.exit_code == 0, result.output
    communes = set(db.session.scalars(select(SireneEstablishment.commune).distinct()))
    assert communes == {SAINT_ETIENNE}
    kept = set(db.session.scalars(select(SireneEstablishment.siren)))
    assert set(db.session.scalars(select(SireneUnit.siren))) <= kept, "units of kept places"
    assert _count(SireneUnit) > 0
    assert register.lookup(sample.DEMO_UNITS[3].siret).status == RegisterStatus.NOT_FOUND


def test_filter_by_territory(app, runner, petition, extract):
    units, places = extract
    result = runner.invoke(args=["sirene", "import", "--territory", petition.slug, str(places)])
    assert result.exit_code == 0, result.output
    communes = set(db.session.scalars(select(SireneEstablishment.commune).distinct()))
    assert communes == {SAINT_ETIENNE, FIRMINY}


def test_zip_is_accepted(app, runner, extract, tmp_path):
    _units, places = extract
    archive = tmp_path / "StockEtablissement_utf8.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(places, "StockEtablissement_utf8.csv")
    result = runner.invoke(args=["sirene", "import", str(archive)])
    assert result.exit_code == 0, result.output
    assert register.lookup(ACTIVE.siret).status == RegisterStatus.ACTIVE


@pytest.mark.parametrize(
    "content, message",
    [
        (b"a,b,c\n1,2,3\n", "neither StockUniteLegale nor StockEtablissement"),
        (b"siret,nic,codeCommuneEtablissement\n1,2,3\n", "missing columns"),
        (b"\xff\xfe\x00", "no CSV header"),
    ],
)
def test_a_bad_file_exits_1_with_a_clear_message(app, runner, tmp_path, content, message):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(content)
    result = runner.invoke(args=["sirene", "import", str(bad)])
    assert result.exit_code == 1 and message in result.output
    missing = runner.invoke(args=["sirene", "import", str(tmp_path / "nope.csv")])
    assert missing.exit_code == 1 and "No such file" in missing.output


def test_a_complete_file_holding_a_number_twice(app, runner, extract, tmp_path):
    """PostgreSQL builds the fresh table's key at the end, on its own
    connections (loaders.py): a duplicate SIRET is a clear error there and the
    register stays as it was; SQLite upserts row by row, the last one wins."""
    _units, places = extract
    lines = places.read_bytes().splitlines(keepends=True)
    doubled = tmp_path / "StockEtablissement_utf8.csv"
    doubled.write_bytes(b"".join(lines + lines[1:2]))
    result = runner.invoke(args=["sirene", "import", str(doubled)])
    if db.engine.dialect.name == "postgresql":
        assert result.exit_code == 1 and "holds a siret twice" in result.output
        assert _count(SireneEstablishment) == 0
        assert runner.invoke(args=["sirene", "import", str(places)]).exit_code == 0
    else:
        assert result.exit_code == 0, result.output
    assert _count(SireneEstablishment) == 304


def test_status_lists_imports(app, runner, extract):
    _units, places = extract
    runner.invoke(args=["sirene", "import", str(places)])
    result = runner.invoke(args=["sirene", "status"])
    assert result.exit_code == 0
    assert "sirene_establishments: 304 from stock" in result.output
    assert "establishments" in result.output and "done" in result.output


#: Traced peak of an import of 200,000 rows: the chunk being written (512 KiB
#: here) and its rows, and the next one, which a helper process parses ahead on
#: SQLite (chunks.AHEAD); never the file (~31 MiB).
MEMORY_BOUND = 12 * 1024 * 1024


def test_200000_rows_in_bounded_memory(app, tmp_path):
    _units, places = sample.write_extract(tmp_path, {SAINT_ETIENNE, NICE}, 200_000)
    size = places.stat().st_size
    tracemalloc.start()
    try:
        done = stock.import_file(places, chunk_size=512 * 1024)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert done.rows == 200_004, "and the 4 demo units of those communes"
    print(f"peak {peak / 2**20:.1f} MiB")
    assert peak < MEMORY_BOUND < size, f"peak {peak / 2**20:.1f} MiB for {size / 2**20:.0f} MiB"
    assert _count(SireneEstablishment) == 200_004


def test_an_individual_entrepreneur_is_named_from_forename_and_surname(app, tmp_path):
    units = tmp_path / "StockUniteLegale_utf8.csv"
    row = dict.fromkeys(UNIT_HEADER, "")
    row.update(
        siren=sample._siren("93000001"),
        statutDiffusionUniteLegale="O",
        etatAdministratifUniteLegale="A",
        prenom1UniteLegale="Jeanne",
        prenomUsuelUniteLegale="Jeanne",
        nomUniteLegale="DURAND",
        nomUsageUniteLegale="MARTIN",
        categorieJuridiqueUniteLegale="1000",
    )
    with open(units, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=UNIT_HEADER)
        writer.writeheader()
        writer.writerow(row)
    assert stock.import_file(units).rows == 1
    assert db.session.get(SireneUnit, row["siren"]).name == "Jeanne MARTIN", "usage names win"
