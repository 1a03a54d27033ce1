"""IAM users with administrator rights use MFA and no access keys."""

from __future__ import annotations

from typing import Any

from annexa.connectors.aws import facts
from annexa.connectors.formats.snapshot import Snapshot
from annexa.monitoring.families import AwsTest
from annexa.monitoring.framework import Outcome, errored


def weaknesses(user: dict[str, Any]) -> list[str]:
    found = []
    if not user.get("mfa_active"):
        found.append("no MFA")
    if any(key.get("active") for key in user.get("access_keys", [])):
        found.append("active access key")
    return found


class AwsAdminUsers(AwsTest):
    """Passes when every IAM user holding AdministratorAccess (attached to the user or to one
    of its groups) has MFA and no active access key, so full control of the account needs a
    second factor and cannot leak as a long-lived key. Fails naming the administrators that
    lack either. Not applicable when no IAM user has administrator rights. Errors when the
    snapshot does not hold the users, AWS refused to list them, or a user's policies could
    not be read."""

    id = "aws_admin_users"
    title = "IAM administrators have MFA and no access keys"
    control_ids = ("A.8.2",)
    severity = "high"
    remediation = (
        "Give administrators MFA and remove their access keys; better, grant administration "
        "through roles assumed for a task (IAM Identity Center) instead of user policies."
    )

    def judge(self, snapshot: Snapshot) -> Outcome:
        users, problem = facts.read(snapshot, "iam.users", "the IAM users")
        if problem:
            return errored(problem)
        items = users.get("items", [])
        unknown = [u["name"] for u in items if u.get("privileged") is None]
        if unknown:
            return self.missing(snapshot, f"the policies of {', '.join(unknown[:5])}")
        return self.each(
            [u for u in items if u["privileged"]],
            lambda user: bool(weaknesses(user)),
            lambda user: f"{user['name']} ({', '.join(weaknesses(user))})",
            noun="administrators",
            where=f"account {snapshot.target}",
        )
