"""Schema upgrades go through Alembic, from the first revision, keeping the data."""

import datetime as dt
from pathlib import Path

import pytest

sa = pytest.importorskip("sqlalchemy")
pytest.importorskip("alembic")


from footfit.records import models as m  # noqa: E402
from footfit.records.config import resolve_db_url  # noqa: E402
from footfit.records.migrations import HEAD, REVISIONS  # noqa: E402
from footfit.records.store import RecordStore, upgrade_database  # noqa: E402


def _script_dir():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    import footfit.records.migrations as mig

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(mig.__file__).parent))
    return ScriptDirectory.from_config(cfg)


def test_head_constant_matches_the_scripts():
    scripts = _script_dir()
    assert scripts.get_current_head() == HEAD
    chain = [s.revision for s in scripts.walk_revisions()][::-1]
    assert tuple(chain) == REVISIONS


def test_upgrade_from_the_first_revision_keeps_data_and_matches_the_models(db_url, tmp_path):
    url = resolve_db_url(db_url)
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url)
    upgrade_database(engine, "0001")
    now = dt.datetime.now(dt.timezone.utc)
    old_fittings = sa.table("fittings", sa.column("options", sa.JSON), *(sa.column(c) for c in (
        "id", "customer_id", "scan_id", "created_at", "footfit_version", "schema_version",
        "report")))
    with engine.begin() as conn:
        assert "orders" not in sa.inspect(conn).get_table_names()
        conn.execute(m.customers.insert().values(id="C-old", created_at=now))
        conn.execute(m.scans.insert().values(
            id="a" * 32, customer_id="C-old", sha256="b" * 64, filename="old.ply",
            format="ply", size_bytes=3, content=b"ply", stored_at=now))
        conn.execute(old_fittings.insert().values(
            id="c" * 32, customer_id="C-old", scan_id="a" * 32, created_at=now,
            footfit_version="0.0.9", schema_version="1.0", options={"style": "sport"},
            report='{"feet": []}'))
    engine.dispose()

    with RecordStore(db_url) as store:  # opening an old database upgrades it
        assert store.revision() == HEAD
        old = store.get_fitting("c" * 32)
        assert old.report == {"feet": []} and old.parent_id is None
        assert old.options == {"style": "sport"}
        order = store.add_order(old.id, lambda oid, code: ({"style": "sport"}, []))
        assert store.get_order(order.code).fitting_id == old.id
        with store.engine.connect() as conn:  # the migrated schema is the models' schema
            from alembic.autogenerate import compare_metadata
            from alembic.migration import MigrationContext

            diffs = compare_metadata(MigrationContext.configure(conn), m.metadata)
        assert diffs == []


def test_a_database_newer_than_this_footfit_is_refused(tmp_path):
    from footfit.exceptions import FootfitError

    path = tmp_path / "f.db"
    RecordStore(path).close()
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(sa.table("alembic_version", sa.column("version_num")).update()
                     .values(version_num="9999"))
    engine.dispose()
    with pytest.raises(FootfitError, match="revision 9999, newer than this footfit"):
        RecordStore(path)
