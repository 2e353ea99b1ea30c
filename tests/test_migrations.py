"""Migrations are the only way the schema changes: they build it from nothing,
match the models exactly, and come back down."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from petition import create_app
from petition.extensions import db


def test_one_head_and_models_match_migrated_schema(app):
    # `app` runs on the suite's database, migrated from nothing with upgrade(heads).
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert len(context.get_current_heads()) == 1, "merge the migration branches"
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def test_upgrade_and_downgrade_from_nothing(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'm.db'}", "TESTING": True})
    with app.app_context():
        upgrade()
        assert "signatures" in db.inspect(db.engine).get_table_names()
        downgrade(revision="base")
        assert "signatures" not in db.inspect(db.engine).get_table_names()
        db.engine.dispose()
