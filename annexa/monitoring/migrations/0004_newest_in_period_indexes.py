"""Indexes for the newest result of each test on each system, and the newest run of each
system, within a period (the automated results of an audit's checklist): the result index
on (organization, stream, test) gains the observation time, so it serves both its old
lookups and this one."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0003_test_run_is_latest"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="testresult",
            index=models.Index(
                fields=["organization", "stream", "test_id", "observed_at", "id"],
                name="result_stream_test_at_idx",
            ),
        ),
        migrations.RemoveIndex(
            model_name="testresult",
            name="result_stream_test_idx",
        ),
        migrations.AddIndex(
            model_name="testrun",
            index=models.Index(
                fields=["organization", "stream", "observed_at", "id"], name="run_stream_at_idx"
            ),
        ),
    ]
