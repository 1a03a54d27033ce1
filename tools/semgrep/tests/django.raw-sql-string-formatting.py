# ruff: noqa
# Fixture of the rule raw-sql-string-formatting in ../django.yml: `semgrep --test` checks
# that it matches every line annotated as expected and none annotated as a look-alike.
# Never imported or run; ruff is off because the bad examples are the point.

from django.db import connection
from django.db.models.expressions import RawSQL


def raw_sql_cases(Finding, org_id, column):
    with connection.cursor() as cursor:
        # ruleid: raw-sql-string-formatting
        cursor.execute(f"SELECT * FROM finding WHERE org_id = {org_id}")
        # ruleid: raw-sql-string-formatting
        cursor.execute("SELECT * FROM finding WHERE org_id = %s" % org_id)
        # ruleid: raw-sql-string-formatting
        cursor.execute("SELECT * FROM finding WHERE org_id = {}".format(org_id))
        # ruleid: raw-sql-string-formatting
        cursor.execute("SELECT * FROM finding WHERE org_id = " + org_id)
        # ok: raw-sql-string-formatting
        cursor.execute("SELECT * FROM finding WHERE org_id = %s", [org_id])
    # ruleid: raw-sql-string-formatting
    Finding.objects.raw(f"SELECT * FROM finding WHERE org_id = {org_id}")
    # ok: raw-sql-string-formatting
    Finding.objects.raw("SELECT * FROM finding WHERE org_id = %s", [org_id])
    # ruleid: raw-sql-string-formatting
    Finding.objects.extra(where=[f"org_id = {org_id}"])
    # ok: raw-sql-string-formatting
    Finding.objects.extra(where=["org_id = %s"], params=[org_id])
    # ruleid: raw-sql-string-formatting
    RawSQL("SELECT %s FROM finding" % column, [])
    # ok: raw-sql-string-formatting
    RawSQL("SELECT title FROM finding WHERE id = %s", [org_id])
