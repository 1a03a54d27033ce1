"""Errors the evidence services raise; every face turns them into a clear message."""


class EvidenceError(Exception):
    """Input the evidence locker cannot accept (unknown control, bad date, missing content)."""


class Rejected(EvidenceError):
    """The content or its name is refused as unsafe or not what it claims to be."""


class TooLarge(Rejected):
    """The content exceeds ``settings.UPLOAD_MAX_BYTES``; raised while streaming."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(
            f"the file is larger than the upload limit of {limit:,} bytes (ANNEXA_UPLOAD_MAX_BYTES)"
        )
