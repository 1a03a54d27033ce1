"""What a verification found: ``Problem`` (one thing that does not verify) and ``Report``.

Part of the standalone verifier (``annexa-verify``) and shared with ``annexa verify``: standard
library only.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One thing that does not verify: what (entry, checkpoint, blob, file), which, and how."""

    kind: str
    ref: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind} {self.ref}: {self.detail}"

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "ref": self.ref, "detail": self.detail}


@dataclass
class Report:
    """The outcome of a verification; ``ok`` only when nothing at all failed."""

    org: dict[str, str] = field(default_factory=dict)
    entries: int = 0
    checkpoints: int = 0
    blobs: int = 0
    blob_bytes: int = 0
    files: int = 0
    seconds: float = 0.0
    bad_entries: int = 0
    first_bad_entry: Problem | None = None
    problems: list[Problem] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    latest_root: str | None = None
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase
    kept_checkpoint: int | None = None  # tree size of the auditor's kept checkpoint, if given
    timestamps: int = 0  # RFC 3161 time-stamps verified up to the TSA's certificate
    timestamps_unchecked: int = 0  # time-stamps whose signature was not checked (no TSA CA)

    @property
    def ok(self) -> bool:
        return self.first_bad_entry is None and not self.problems

    def of_kind(self, kind: str) -> list[Problem]:
        return [p for p in self.problems if p.kind == kind]

    def as_dict(self) -> dict:
        first = self.first_bad_entry
        return {
            "ok": self.ok,
            "organization": self.org,
            "entries": self.entries,
            "checkpoints": self.checkpoints,
            "latest_root": self.latest_root,
            "blobs": self.blobs,
            "blob_bytes": self.blob_bytes,
            "files": self.files,
            "seconds": round(self.seconds, 3),
            "timings": {phase: round(s, 3) for phase, s in self.timings.items()},
            "keys": self.keys,
            "kept_checkpoint": self.kept_checkpoint,
            "timestamps": self.timestamps,
            "timestamps_unchecked": self.timestamps_unchecked,
            "bad_entries": self.bad_entries,
            "first_bad_entry": first.as_dict() if first else None,
            "problems": [p.as_dict() for p in self.problems],
        }

    def summary(self) -> str:
        """Human-readable lines: the figures, then every problem (first bad entry first)."""
        megabytes = self.blob_bytes / 1_000_000
        lines = [
            f"organization: {self.org.get('slug', '?')} ({self.org.get('uid', '?')})",
            f"entries: {self.entries:,}   checkpoints: {self.checkpoints:,}   "
            f"blobs: {self.blobs:,} ({megabytes:,.1f} MB hashed)   time: {self.seconds:.2f} s",
        ]
        if self.files:
            lines.append(f"bundle files checked: {self.files:,}")
        if self.latest_root:
            lines.append(f"latest checkpoint root: {self.latest_root}")
        if self.timestamps:
            lines.append(f"RFC 3161 time-stamps verified: {self.timestamps:,}")
        if self.timestamps_unchecked:
            lines.append(
                f"RFC 3161 time-stamps not checked up to the TSA: {self.timestamps_unchecked:,} "
                "(give the TSA's CA certificate: ANNEXA_TSA_CA_FILE or --tsa-ca)"
            )
        if self.kept_checkpoint is not None:
            lines.append(f"checked against the kept checkpoint of {self.kept_checkpoint:,} entries")
        if self.ok:
            lines.append("OK: the ledger, its checkpoints and every blob verify.")
            return "\n".join(lines)
        count = len(self.problems) + (1 if self.first_bad_entry else 0)
        lines.append(f"FAILED: {count} problem(s)")
        if self.first_bad_entry:
            lines.append(f"  first bad {self.first_bad_entry}")
            if self.bad_entries > 1:
                lines.append(f"  ({self.bad_entries - 1} more entries do not verify)")
        lines.extend(f"  {problem}" for problem in self.problems)
        return "\n".join(lines)
