"""Streaming ``multipart/form-data`` reader: file parts go to disk as they arrive.

Starlette's ``request.form()`` spools whole files before the handler runs, so size limits could
only be checked after the fact; this reader feeds each chunk to an ``IncomingFile`` and stops
at the first byte over the limit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from agentflow.domain.errors import InvalidInput
from agentflow.ingestion.uploads import IncomingFile

MAX_FIELD_BYTES = 64 * 1024


@dataclass
class _Part:
    headers: dict[bytes, bytes] = field(default_factory=dict)
    name: str = ""
    filename: str | None = None
    data: bytearray = field(default_factory=bytearray)
    file: IncomingFile | None = None


@dataclass
class ParsedForm:
    files: list[tuple[IncomingFile, str]]  # (file, sha256)
    fields: dict[str, str]


async def read_form(
    content_type: str,
    body: AsyncIterator[bytes],
    open_file: Callable[[str], Awaitable[IncomingFile]],
    *,
    file_field: str = "file",
    max_files: int,
) -> ParsedForm:
    """Parse the body, streaming every ``file_field`` part through ``open_file``."""
    kind, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise InvalidInput("expected multipart/form-data with a boundary")
    events: list[tuple[str, bytes]] = []
    header_field = bytearray()
    header_value = bytearray()

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header_field.extend(data[start:end])

    def on_header_value(data: bytes, start: int, end: int) -> None:
        header_value.extend(data[start:end])

    def on_header_end() -> None:
        events.append(("header", bytes(header_field) + b"\0" + bytes(header_value)))
        header_field.clear()
        header_value.clear()

    parser = MultipartParser(boundary, {
        "on_part_begin": lambda: events.append(("begin", b"")),
        "on_part_data": lambda data, start, end: events.append(("data", data[start:end])),
        "on_part_end": lambda: events.append(("end", b"")),
        "on_header_field": on_header_field,
        "on_header_value": on_header_value,
        "on_header_end": on_header_end,
        "on_headers_finished": lambda: events.append(("headers_done", b"")),
    })
    form = ParsedForm(files=[], fields={})
    part = _Part()
    open_files: list[IncomingFile] = []
    try:
        async for chunk in body:
            parser.write(chunk)
            for kind_, payload in events:
                part = await _apply(kind_, payload, part, form, open_file, open_files,
                                    file_field, max_files)
            events.clear()
        parser.finalize()
        if part.name or part.file is not None:
            raise InvalidInput("the multipart body ended in the middle of a part")
    except MultipartParseError as error:
        for incoming in [*open_files, *(received for received, _ in form.files)]:
            await incoming.writer.abort()
        raise InvalidInput(f"malformed multipart body: {error}") from None
    except BaseException:
        for incoming in [*open_files, *(received for received, _ in form.files)]:
            await incoming.writer.abort()
        raise
    return form


async def _apply(
    kind: str, payload: bytes, part: _Part, form: ParsedForm,
    open_file: Callable[[str], Awaitable[IncomingFile]], open_files: list[IncomingFile],
    file_field: str, max_files: int,
) -> _Part:
    if kind == "begin":
        return _Part()
    if kind == "header":
        name, _, value = payload.partition(b"\0")
        part.headers[name.lower()] = value
    elif kind == "headers_done":
        _, options = parse_options_header(part.headers.get(b"content-disposition", b""))
        part.name = options.get(b"name", b"").decode("utf-8", "replace")
        filename = options.get(b"filename")
        part.filename = filename.decode("utf-8", "replace") if filename is not None else None
        if part.name == file_field:
            if len(form.files) >= max_files:
                raise InvalidInput(f"at most {max_files} files per request", max_files=max_files)
            part.file = await open_file(part.filename or "document.pdf")
            open_files.append(part.file)
    elif kind == "data":
        if part.file is not None:
            await part.file.feed(payload)
        else:
            part.data.extend(payload)
            if len(part.data) > MAX_FIELD_BYTES:
                raise InvalidInput(f"form field {part.name!r} is too large")
    elif kind == "end":
        if part.file is not None:
            sha256 = await part.file.finish()
            open_files.remove(part.file)
            form.files.append((part.file, sha256))
        elif part.name:
            form.fields[part.name] = part.data.decode("utf-8", "replace")
        return _Part()
    return part
