"""The hot `petitions` row alone, without the web app: how many confirmation
transactions per second one counter row allows, against the same spread over
8 rows (PostgreSQL).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        python bench/hot_row.py [seconds] [threads]

Each transaction has the shape of a confirmation's (services/signing.confirm):
UPDATE its own signature row, UPDATE the petition's counter row (which it then
holds locked), COMMIT. Threads of one process on their own connections;
tables of its own (`hot_row_*`), dropped at the end.
"""

import os
import sys
import threading
import time

import psycopg

ROWS = 8
#: Signature rows the transactions take in turn (each thread its own ones).
SIGNATURES = 100_000


def _setup(url, signatures):
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS hot_row_petitions, hot_row_signatures")
        conn.execute("CREATE TABLE hot_row_petitions (id int PRIMARY KEY, n int NOT NULL)")
        conn.execute("CREATE TABLE hot_row_signatures (id int PRIMARY KEY, state text NOT NULL)")
        conn.execute(
            "INSERT INTO hot_row_petitions SELECT g, 0 FROM generate_series(1, %s) g", (ROWS,)
        )
        conn.execute(
            "INSERT INTO hot_row_signatures SELECT g, 'pending' FROM generate_series(1, %s) g",
            (signatures,),
        )


def _run(url, seconds, threads, spread):
    done = [0] * threads
    stop = time.monotonic() + seconds

    def work(t):
        with psycopg.connect(url) as conn:
            i = t
            while time.monotonic() < stop:
                petition = t % ROWS + 1 if spread else 1
                row = i % SIGNATURES + 1
                conn.execute(
                    "UPDATE hot_row_signatures SET state = 'verified' WHERE id = %s", (row,)
                )
                conn.execute("UPDATE hot_row_petitions SET n = n + 1 WHERE id = %s", (petition,))
                conn.commit()
                done[t] += 1
                i += threads

    workers = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    started = time.monotonic()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return sum(done) / (time.monotonic() - started)


def main(seconds="5", threads="16"):
    url = os.environ["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
    seconds, threads = float(seconds), int(threads)
    _setup(url, SIGNATURES)
    try:
        for spread in (False, True, False, True):
            rate = _run(url, seconds, threads, spread)
            where = f"spread over {ROWS} rows" if spread else "one row"
            print(f"{threads} threads, {where}: {rate:,.0f} transactions/s", flush=True)
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("DROP TABLE hot_row_petitions, hot_row_signatures")


if __name__ == "__main__":
    main(*sys.argv[1:])
