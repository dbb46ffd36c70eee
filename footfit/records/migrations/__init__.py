"""Alembic migrations of the records database, shipped inside the package.

A wheel install migrates too. :data:`HEAD` is checked against the scripts by the tests, so
opening an up-to-date database needs no Alembic import.
"""

#: The newest revision; the store compares a database's ``alembic_version`` with it.
HEAD = "0002"

#: Every revision, oldest first.
REVISIONS: tuple[str, ...] = ("0001", "0002")
