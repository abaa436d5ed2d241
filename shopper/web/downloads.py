"""CSV downloads, streamed: the response is written as the export's rows come from the
database, gzipped on the way when the client accepts it, so neither the server's memory
nor the wait before the first byte grows with the size of the export."""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator

from flask import Response, request, stream_with_context

GZIP = 31  # zlib's wbits for a gzip wrapper
LEVEL = 6


def accepts_gzip() -> bool:
    return request.accept_encodings["gzip"] > 0


def gzipped(chunks: Iterable[str]) -> Iterator[bytes]:
    packer = zlib.compressobj(LEVEL, zlib.DEFLATED, GZIP)
    for chunk in chunks:
        packed = packer.compress(chunk.encode())
        if packed:
            yield packed
    yield packer.flush()


def csv_response(chunks: Iterable[str], filename: str) -> Response:
    """Stream `chunks` of CSV text as an attachment named `filename`."""
    headers = {"Content-Disposition": f'attachment; filename="{filename}"',
               "Cache-Control": "private, no-store", "Vary": "Accept-Encoding"}
    if accepts_gzip():
        body = gzipped(chunks)
        headers["Content-Encoding"] = "gzip"
    else:
        body = (chunk.encode() for chunk in chunks)
    return Response(stream_with_context(body), mimetype="text/csv", headers=headers)
