"""The database cache's table (see annexa/core/shared_cache.py), created with migrate.

``createcachetable`` is idempotent and does nothing when the cache is Redis, so this migration
is safe on every installation; ``annexa init`` and the test databases run it with the others.
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = []

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
