"""On PostgreSQL, refuse UPDATE, DELETE and TRUNCATE of ledger rows in the database itself.

The hashes make tampering detectable; the triggers make accidental or casual changes impossible
for any role that is not the tables' owner (which could disable them). SQLite has no equivalent
that survives ``sqlite3`` on the file, so there the hashes alone guard the record.
"""

from django.db import migrations

FUNCTION = "annexa_ledger_append_only"
TABLES = ("ledgerentry", "checkpoint", "trustedkey")


def _tables(apps) -> list[str]:
    return [apps.get_model("ledger", name)._meta.db_table for name in TABLES]


def install(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"""
        CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION 'the Annexa ledger is append-only: % on % refused',
                TG_OP, TG_TABLE_NAME;
            RETURN NULL;
        END;
        $$ LANGUAGE plpgsql
        """,
        params=None,  # the % in RAISE are PL/pgSQL's, not query placeholders
    )
    for table in _tables(apps):
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()"
        )
        schema_editor.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
        )


def remove(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in _tables(apps):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [migrations.RunPython(install, remove, elidable=False)]
