"""The tracker script ``/s.js``, held in memory with a gzip copy.

The readable source is ``static/s.js``; what is served drops each line's indentation and the
blank lines (the file has no multi-line strings, so this changes nothing else), which keeps
the gzipped script under 2 KB.
"""

from __future__ import annotations

import gzip
import hashlib
from importlib import resources

SOURCE = "s.js"


def trim(source: str) -> str:
    return "".join(line.strip() + "\n" for line in source.splitlines() if line.strip())


class Tracker:
    def __init__(self) -> None:
        source = (
            resources.files("appliance.analytics.ingest").joinpath("static", SOURCE).read_text()
        )
        self.body = trim(source).encode()
        self.gzipped = gzip.compress(self.body, 9, mtime=0)
        self.etag = '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'

    def response(self, gzip_ok: bool) -> tuple[bytes, dict[str, str]]:
        headers = {
            "Cache-Control": "public, max-age=3600",
            "ETag": self.etag,
            "Vary": "Accept-Encoding",
            "Cross-Origin-Resource-Policy": "cross-origin",
        }
        if gzip_ok:
            headers["Content-Encoding"] = "gzip"
            return self.gzipped, headers
        return self.body, headers
