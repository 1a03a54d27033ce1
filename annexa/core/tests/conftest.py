import time

import pytest


@pytest.fixture
def later(monkeypatch):
    """``later(seconds)``: from now on ``time.time()`` reads that much later (session clocks,
    rate-limit windows)."""
    real = time.time

    def shift(seconds: float) -> None:
        monkeypatch.setattr(time, "time", lambda: real() + seconds)

    return shift
