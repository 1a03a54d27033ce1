"""Static files for `annexa serve`: compressed once, not on every start.

WhiteNoise's storage compresses every file (gzip and Brotli) on each ``collectstatic``; with the
Swagger UI bundle that was most of a minute of CPU at every start. ``collectstatic`` copies only
the files that changed, and WhiteNoise gives a compressed file the mtime of its source, so a
compressed variant with the source's mtime is still current and is kept.
"""

from __future__ import annotations

import os
from typing import Any

from whitenoise.compress import Compressor
from whitenoise.storage import CompressedStaticFilesStorage

# Source maps are fetched only by a developer's browser tools: not worth compressing.
SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")
MTIME_TOLERANCE = 0.001  # seconds
BROTLI_QUALITY = 9


class IncrementalCompressor(Compressor):
    """Compresses a file only when it has no current compressed variant."""

    @staticmethod
    def compress_brotli(data: bytes) -> bytes:
        import brotli

        # Quality 11 (the default) costs seven times the CPU of 9 for files a few per cent
        # smaller: a minute instead of seconds on a small machine's first start.
        return brotli.compress(data, quality=BROTLI_QUALITY)

    def compress(self, path: str) -> list[str]:
        current = self.current_variants(path)
        return current if current else super().compress(path)

    def current_variants(self, path: str) -> list[str]:
        """The compressed variants written for this version of ``path`` (empty: none)."""
        source_mtime = os.stat(path).st_mtime
        suffixes = [s for s, used in ((".br", self.use_brotli), (".gz", self.use_gzip)) if used]
        variants = [path + s for s in suffixes if os.path.exists(path + s)]
        # Brotli comes first: when it exists for this mtime, the compression already ran.
        if not variants or not variants[0].endswith(suffixes[0]):
            return []
        # utime() goes through a float, so the copied mtime may differ in the nanoseconds.
        if any(abs(os.stat(v).st_mtime - source_mtime) > MTIME_TOLERANCE for v in variants):
            return []
        return variants


class StaticFilesStorage(CompressedStaticFilesStorage):
    """WhiteNoise's compressed storage, incremental."""

    def create_compressor(self, **kwargs: Any) -> Compressor:
        kwargs["extensions"] = kwargs.get("extensions") or SKIP_COMPRESS_EXTENSIONS
        return IncrementalCompressor(**kwargs)
