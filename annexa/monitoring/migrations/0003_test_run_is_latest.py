"""Mark, per organization and stream, the test run of the newest evidence (``is_latest``):
its scanner rule results are what the control status reads for that system."""

from django.db import migrations, models


def mark_latest(apps, schema_editor):
    db = schema_editor.connection.alias  # the migrating role's connection, not the app's
    TestRun = apps.get_model("monitoring", "TestRun")
    latest: dict[tuple[int, str], int] = {}
    rows = (
        TestRun.objects.using(db)
        .order_by("observed_at", "id")
        .values_list("pk", "organization_id", "stream")
    )
    for pk, organization_id, stream in rows.iterator():
        latest[(organization_id, stream)] = pk  # the newest one wins
    pks = list(latest.values())
    for start in range(0, len(pks), 500):
        TestRun.objects.using(db).filter(pk__in=pks[start : start + 500]).update(is_latest=True)


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0002_monitoringsettings_notification"),
    ]

    operations = [
        migrations.AddField(
            model_name="testrun",
            name="is_latest",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(mark_latest, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="testrun",
            constraint=models.UniqueConstraint(
                condition=models.Q(("is_latest", True)),
                fields=("organization", "stream"),
                name="one_latest_run",
            ),
        ),
    ]
