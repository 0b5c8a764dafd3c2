"""A copy of the test database's contents, put back in a fraction of a second.

The browser tests each start from the demo content. Loading it takes seconds (pages,
revisions, translations, search entries, PDFs and their first pages drawn as covers), so it
is loaded once per test process and copied; before each test the copy is put back.
Django's own ways of resetting are slower or do not fit: `serialized_rollback` saves only
what the migrations made, and re-creating a database from a PostgreSQL template needs every
connection to it closed, the live server's included.

- PostgreSQL: the tables are copied into a schema of their own (`demo_snapshot`) and the
  sequences' positions remembered; putting them back empties Django's tables in one TRUNCATE
  and fills them with INSERT … SELECT, in one transaction.
- SQLite (the in-memory test database): SQLite's backup API copies the whole database into
  another in-memory one and back.
"""

import sqlite3

# Every name put into SQL here is a table of Django's models, quoted by the backend (S608).
from django.db import connection, transaction

SCHEMA = "demo_snapshot"


class Snapshot:
    def __init__(self):
        self.tables = sorted(connection.introspection.django_table_names(only_existing=True))
        if connection.vendor == "postgresql":
            self._take_postgresql()
        elif connection.vendor == "sqlite":
            self._take_sqlite()
        else:  # pragma: no cover - the suite runs on SQLite and PostgreSQL only
            raise NotImplementedError(connection.vendor)

    def restore(self):
        if connection.vendor == "postgresql":
            self._restore_postgresql()
        else:
            self._restore_sqlite()

    # PostgreSQL ---------------------------------------------------------------------------

    def _take_postgresql(self):
        quote = connection.ops.quote_name
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
            cursor.execute(f"CREATE SCHEMA {SCHEMA}")
            self.filled = []
            for table in self.tables:
                cursor.execute(f"CREATE TABLE {SCHEMA}.{quote(table)} AS TABLE {quote(table)}")
                cursor.execute(f"SELECT EXISTS (SELECT FROM {SCHEMA}.{quote(table)})")  # noqa: S608
                if cursor.fetchone()[0]:
                    self.filled.append(table)
            cursor.execute(
                "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename), last_value"
                " FROM pg_sequences WHERE schemaname = current_schema()"
            )
            self.sequences = cursor.fetchall()

    def _restore_postgresql(self):
        quote = connection.ops.quote_name
        statements = [f"TRUNCATE {', '.join(quote(table) for table in self.tables)}"]
        statements += [
            f"INSERT INTO {quote(table)} SELECT * FROM {SCHEMA}.{quote(table)}"  # noqa: S608
            for table in self.filled
        ]
        # A sequence never used has no last value: its next value is then its start again.
        statements.append(
            "SELECT "
            + ", ".join(
                f"setval('{name}', {value}, true)"
                if value is not None
                else f"setval('{name}', 1, false)"
                for name, value in self.sequences
            )
        )
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(";\n".join(statements))

    # SQLite -------------------------------------------------------------------------------

    def _take_sqlite(self):
        self.copy = sqlite3.connect(":memory:", check_same_thread=False)
        self._raw().backup(self.copy)

    def _restore_sqlite(self):
        self.copy.backup(self._raw())

    @staticmethod
    def _raw():
        connection.ensure_connection()
        return connection.connection
