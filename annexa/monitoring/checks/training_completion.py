"""Assigned security training is completed on time."""

from __future__ import annotations

from typing import Any

from annexa.monitoring.families import TrainingTest


class TrainingCompletion(TrainingTest):
    """Passes when every assigned course whose due date has passed (as of the day of the
    export) was completed. Fails when a course is past due and not completed. Not applicable
    when no course was due yet (exempt records are not counted)."""

    id = "training_completion"
    title = "Assigned security training is completed on time"
    control_ids = ("A.6.3",)
    severity = "medium"
    remediation = (
        "Remind the listed people and their managers, set a new date, and escalate courses "
        "overdue by more than 30 days."
    )

    def applies(self, record: dict[str, Any]) -> bool:
        due = record.get("due_on")
        if record.get("status") == "exempt":
            return False
        return record.get("status") == "completed" or (due is not None and due < self.as_of)

    def verdict(self, record: dict[str, Any]) -> str:
        return self.pass_if(record.get("status") == "completed")
