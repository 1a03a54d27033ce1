"""Grading guidance shown beside every finding: our own words, not the standard's.

The texts help an auditor choose a grade and the nature of a gap consistently; they are data so
the web page, the API and exports show the same wording.
"""

from __future__ import annotations

from annexa.findings.choices import FindingGrade, GapNature

GRADES: dict[str, str] = {
    FindingGrade.MAJOR_NC: (
        "Choose major when the management system as a whole cannot be relied on for this "
        "requirement or control: it is absent everywhere it should apply, it has failed "
        "several times in the same way, or the failure could plausibly lead to a serious "
        "security incident or a breach of a legal or contractual obligation. A cluster of "
        "related minor nonconformities in one area also adds up to a major one."
    ),
    FindingGrade.MINOR_NC: (
        "Choose minor when the requirement or control exists and mostly works, but you found "
        "an isolated lapse: one record missing from an otherwise complete set, one sampled "
        "account not reviewed, a procedure followed late. The system still achieves its "
        "purpose; the lapse must be corrected and its cause removed."
    ),
    FindingGrade.OBSERVATION: (
        "Record an observation when nothing is broken yet, but what you saw could become a "
        "nonconformity if left alone, for example a process that depends on one person or a "
        "record kept in a way that is easy to lose. It needs acknowledgement, not a formal "
        "corrective action."
    ),
    FindingGrade.OFI: (
        "Record an opportunity for improvement when the requirement is met and you see a way "
        "to make the control more efficient, more effective or easier to evidence. The "
        "auditee decides whether to act on it."
    ),
}

NATURES: dict[str, str] = {
    GapNature.MISSING: "The control was never put in place, or only exists on paper.",
    GapNature.NO_LONGER_FUNCTIONING: (
        "The control used to work and has stopped: earlier evidence or tests showed it "
        "effective, recent evidence does not."
    ),
    GapNature.INEFFECTIVE: (
        "The control operates as designed, but the design does not achieve its purpose "
        "(the risk it should reduce is not reduced)."
    ),
}

REQUIREMENT_STATEMENT_HINT = (
    "Say in your own words what the organization committed to or what the control expects; "
    "do not copy the wording of the standard."
)
STATEMENT_HINT = (
    "State what was not done or not in place, where, and how you know it, so a reader who was "
    "not there understands the gap."
)


def grading_guidance() -> list[dict[str, str]]:
    """The guidance per grade, in the grades' order (for pages and the API)."""
    return [
        {"grade": value, "label": label, "guidance": GRADES[value]}
        for value, label in FindingGrade.choices
    ]


def nature_guidance() -> list[dict[str, str]]:
    return [
        {"nature": value, "label": label, "guidance": NATURES[value]}
        for value, label in GapNature.choices
        if value
    ]
