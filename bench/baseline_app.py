"""The ceilings: the least a Flask app can do for the same request.

`gunicorn 'bench.baseline_app:create_app()'` with the same gunicorn.conf.py
and environment as the real app:

- GET /const   -> a constant JSON document (ceiling of the count endpoint);
- POST /insert -> one INSERT of the posted email in the same database, same
  engine options and SQLite pragmas (ceiling of sign and confirm, which each
  make one write transaction).
"""

import os

from flask import Flask, jsonify, request
from sqlalchemy import create_engine, text

from petition import sqlite
from petition.config import _database_url

TABLE = "bench_baseline"
DDL = f"CREATE TABLE IF NOT EXISTS {TABLE} (id {{pk}}, email VARCHAR(254) NOT NULL UNIQUE)"
PK = {"postgresql": "BIGSERIAL PRIMARY KEY", "sqlite": "INTEGER PRIMARY KEY"}


def create_table(engine):
    with engine.begin() as conn:
        conn.execute(text(DDL.format(pk=PK[engine.dialect.name])))


def create_app():
    sqlite.install()
    app = Flask(__name__)
    engine = create_engine(_database_url(os.environ["DATABASE_URL"], None), pool_pre_ping=True)
    insert = text(f"INSERT INTO {TABLE} (email) VALUES (:email)")
    document = {"slug": "baseline", "count": 12345, "goal": 20000}

    @app.get("/const")
    def const():
        return jsonify(document)

    @app.post("/insert")
    def insert_one():
        with engine.begin() as conn:
            conn.execute(insert, {"email": request.form["email"]})
        return "", 204

    return app
