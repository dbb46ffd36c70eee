"""Fixtures for the records tests: a real PostgreSQL server per test session, fresh databases.

The server is a throwaway cluster: ``initdb`` into a temporary folder, ``pg_ctl start`` on a
free loopback port (and a Unix socket in that folder), trust authentication for the local
user only, fsync off. As root it runs as the ``postgres`` user (PostgreSQL refuses to run as
root) through ``runuser``. Without PostgreSQL binaries the PostgreSQL cases are skipped and
the skip says why; ``.ci/run`` installs Debian's ``postgresql`` so CI runs them.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

BACKENDS = ("sqlite", pytest.param("postgresql", marks=pytest.mark.postgres))


def _pg_bin() -> Path | None:
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit()
                        else 0)
    return Path(candidates[-1]).parent if candidates else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """A running throwaway PostgreSQL cluster."""

    def __init__(self) -> None:
        self.bin = _pg_bin()
        if self.bin is None:
            raise RuntimeError("no PostgreSQL server binaries (initdb, pg_ctl) found: "
                               "apt-get install postgresql")
        self.folder = Path(tempfile.mkdtemp(prefix="footfit-pg-"))
        self.data = self.folder / "data"
        self.port = _free_port()
        self.user = "footfit"
        self.prefix: list[str] = []
        if os.geteuid() == 0:
            runuser = shutil.which("runuser")
            if runuser is None:
                raise RuntimeError("running as root without runuser: cannot start PostgreSQL "
                                   "as another user")
            try:
                import pwd

                pwd.getpwnam("postgres")
            except KeyError as exc:
                raise RuntimeError("running as root and there is no 'postgres' user to run "
                                   "the server as") from exc
            self.prefix = [runuser, "-u", "postgres", "--"]
            shutil.chown(self.folder, "postgres")
            os.chmod(self.folder, 0o700)
        self._run([str(self.bin / "initdb"), "-D", str(self.data), "-U", self.user,
                   "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"])
        opts = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
                "-c fsync=off -c full_page_writes=off -c max_connections=100")
        self._run([str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", opts,
                   "-l", str(self.folder / "server.log"), "-w", "-t", "60", "start"])

    def _run(self, cmd: list[str]) -> None:
        done = subprocess.run(self.prefix + cmd, capture_output=True, text=True, timeout=120,
                              cwd=self.folder)
        if done.returncode != 0:
            log = self.folder / "server.log"
            tail = log.read_text()[-2000:] if log.is_file() else ""
            raise RuntimeError(f"{Path(cmd[0]).name} failed ({done.returncode}): "
                               f"{done.stderr.strip()[-2000:]} {tail}")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """Create an empty database; return its URL."""
        import psycopg
        from psycopg import sql

        name = "t" + uuid.uuid4().hex[:16]
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user={self.user} "
                             "dbname=postgres", autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w",
                       "stop"])
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server():
    """A PostgreSQL server for the session (skips, saying why, when none can be started)."""
    pytest.importorskip("psycopg", reason="psycopg not installed: pip install 'footfit[records]'")
    try:
        server = PostgresServer()
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"PostgreSQL tests skipped: no server could be started ({exc})")
    yield server
    server.stop()


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path):
    """A fresh, empty records database: a SQLite file, then a PostgreSQL database."""
    pytest.importorskip("sqlalchemy")
    if request.param == "sqlite":
        return str(tmp_path / "db" / "footfit.db")
    server = request.getfixturevalue("postgres_server")
    return server.create_database()
