"""Receive one multipart file field straight to disk, in chunks, under a size limit.

Starlette's `request.form()` spools the whole upload to a temporary file before the route runs,
so a limit could only be checked afterwards. Parsing the request stream here lets an upload
stop at the limit (413) and land in UPLOAD_DIR without a second copy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PureWindowsPath
from typing import TYPE_CHECKING, BinaryIO

import anyio
from fastapi import Request
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from portal.core.errors import PayloadTooLargeError, ValidationFailedError

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

# Headers and boundaries around the file part; a request larger than limit + this is refused
# from its Content-Length alone, before a byte is read.
MULTIPART_OVERHEAD_BYTES = 64 * 1024
WRITE_CHUNK_BYTES = 1024 * 1024


@dataclass
class ReceivedFile:
    filename: str  # as the client named it (basename only), for display
    path: Path
    size_bytes: int


@dataclass
class _Part:
    headers: dict[bytes, bytes] = field(default_factory=dict)
    header_name: bytes = b""
    header_value: bytes = b""
    is_target: bool = False


class _Receiver:
    def __init__(self, field_name: str, max_bytes: int, target_for: Callable[[str], Path]) -> None:
        self.field_name = field_name.encode()
        self.max_bytes = max_bytes
        self.target_for = target_for
        self.part = _Part()
        self.filename: str | None = None
        self.path: Path | None = None
        self.handle: BinaryIO | None = None
        self.size = 0
        self.pending = bytearray()
        self.complete = False  # the file part's closing boundary arrived

    def callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": self.on_part_begin,
            "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end,
            "on_header_field": self.on_header_field,
            "on_header_value": self.on_header_value,
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
        }

    def on_part_begin(self) -> None:
        self.part = _Part()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.part.header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.part.header_value += data[start:end]

    def on_header_end(self) -> None:
        self.part.headers[self.part.header_name.lower()] = self.part.header_value
        self.part.header_name, self.part.header_value = b"", b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self.part.headers.get(b"content-disposition", b""))
        if options.get(b"name") != self.field_name or b"filename" not in options:
            return  # other form fields are ignored
        if self.path is not None:
            raise ValidationFailedError("Upload one file per request", error="TooManyFiles")
        raw_name = options[b"filename"].decode("utf-8", errors="replace")
        self.filename = PureWindowsPath(raw_name).name[:255] or "upload"  # drop any client path
        self.path = self.target_for(self.filename)  # validates the name; may raise
        self.handle = self.path.open("wb")
        self.part.is_target = True

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if not self.part.is_target:
            return
        self.size += end - start
        if self.size > self.max_bytes:
            raise PayloadTooLargeError(
                f"The file exceeds the upload limit of {self.max_bytes} bytes",
                max_upload_bytes=self.max_bytes,
            )
        self.pending += data[start:end]

    def on_part_end(self) -> None:
        if self.part.is_target:
            self.complete = True

    async def flush(self, force: bool = False) -> None:
        if self.handle is not None and self.pending and (force or len(self.pending) >= WRITE_CHUNK_BYTES):
            chunk, self.pending = bytes(self.pending), bytearray()
            await anyio.to_thread.run_sync(self.handle.write, chunk)

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None

    def discard(self) -> None:
        self.close()
        if self.path is not None:
            self.path.unlink(missing_ok=True)


async def receive_file(
    request: Request, *, field_name: str, max_bytes: int, target_for: Callable[[str], Path]
) -> ReceivedFile:
    """Stream the `field_name` file part of a multipart request to `target_for(filename)`.

    On any failure (over the limit, client gone, malformed body) the partial file is removed.
    """
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise ValidationFailedError(
            f"Send the file as multipart/form-data in a field named {field_name!r}", error="MissingFile"
        )
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes + MULTIPART_OVERHEAD_BYTES:
        raise PayloadTooLargeError(
            f"The upload ({declared} bytes) exceeds the limit of {max_bytes} bytes",
            max_upload_bytes=max_bytes,
        )

    receiver = _Receiver(field_name, max_bytes, target_for)
    parser = MultipartParser(boundary, receiver.callbacks())
    try:
        async for chunk in request.stream():
            parser.write(chunk)
            await receiver.flush()
        parser.finalize()
        await receiver.flush(force=True)
    except FormParserError as exc:
        receiver.discard()
        raise ValidationFailedError("The multipart body is malformed", error="MalformedUpload") from exc
    except BaseException:
        receiver.discard()
        raise
    receiver.close()
    if receiver.path is None or receiver.filename is None:
        raise ValidationFailedError(f"The form has no file field named {field_name!r}", error="MissingFile")
    if not receiver.complete:
        receiver.discard()
        raise ValidationFailedError("The upload ended before the file was complete", error="TruncatedUpload")
    return ReceivedFile(filename=receiver.filename, path=receiver.path, size_bytes=receiver.size)
