"""Static files storage of the benchmark server: production's hashed,
compressed storage, except that a reference to a file that is not vendored
(source maps, .woff fonts next to the .woff2 ones) is left as it is instead of
failing ``collectstatic`` (see docs/benchmarks.md: production's
``collectstatic`` fails on these today)."""

from typing import Any

from whitenoise.storage import CompressedManifestStaticFilesStorage


class BenchStaticFilesStorage(CompressedManifestStaticFilesStorage):
    def hashed_name(self, name: str, content: Any = None, filename: Any = None) -> str:
        try:
            return super().hashed_name(name, content, filename)
        except ValueError:
            return name
