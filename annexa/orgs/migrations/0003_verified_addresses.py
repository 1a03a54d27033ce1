"""Existing accounts' addresses become verified, primary EmailAddress rows.

Before this, allauth ran without verification: addresses were provisioned by the server
administrator (the CLI, the demo), so ``User.email`` is trusted — unless the person made it
primary themselves on the e-mail page without ever verifying it (an unverified row marked
primary): such an address stays unverified, and its owner must verify it at the next sign-in.
"""

from django.db import migrations


def verify_provisioned(apps, schema_editor):
    User = apps.get_model("orgs", "User")
    EmailAddress = apps.get_model("account", "EmailAddress")
    for user in User.objects.all().iterator():
        rows = EmailAddress.objects.filter(user=user)
        current = rows.filter(email__iexact=user.email).first()
        if current is not None and (current.verified or current.primary):
            continue  # verified already, or self-made primary without verification
        rows.filter(primary=True).update(primary=False)
        if current is None:
            EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        else:
            current.verified = current.primary = True
            current.save(update_fields=["verified", "primary"])


class Migration(migrations.Migration):
    dependencies = [
        ("orgs", "0002_invitation"),
        ("account", "0009_emailaddress_unique_primary_email"),
    ]

    operations = [migrations.RunPython(verify_provisioned, migrations.RunPython.noop)]
