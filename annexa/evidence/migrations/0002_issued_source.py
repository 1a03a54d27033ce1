"""Issued reports get a source of their own, ``issued``, so the evidence list can hide them.

Reports issued before this migration were stored with the source ``upload``: the versions an
issued report points to are relabelled (their bytes, hashes and dates are untouched).
"""

from django.db import migrations, models


def relabel_issued_reports(apps, schema_editor):
    try:
        files = apps.get_model("reports", "IssuedReportFile")
    except LookupError:  # the reports app is not installed
        return
    versions = apps.get_model("evidence", "EvidenceVersion")
    db = schema_editor.connection.alias  # the migrating role's connection, not the app's
    issued = files.objects.using(db).values("version_id")
    versions.objects.using(db).filter(pk__in=issued).update(source="issued")


def relabel_as_uploads(apps, schema_editor):
    versions = apps.get_model("evidence", "EvidenceVersion")
    db = schema_editor.connection.alias
    versions.objects.using(db).filter(source="issued").update(source="upload")


class Migration(migrations.Migration):
    dependencies = [
        ("evidence", "0001_initial"),
        ("reports", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="evidenceversion",
            name="source",
            field=models.CharField(
                choices=[
                    ("upload", "Upload"),
                    ("connector", "Connector"),
                    ("import", "Import"),
                    ("issued", "Issued report"),
                ],
                max_length=20,
            ),
        ),
        migrations.RunPython(relabel_issued_reports, relabel_as_uploads),
    ]
