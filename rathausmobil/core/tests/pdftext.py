"""The text of a PDF that reportlab wrote, for tests to read what a person would read.

reportlab writes each line of text as a literal string shown with `Tj`, in content
streams that it compresses (FlateDecode, by default inside ASCII85). This reads exactly
that and nothing more; no PDF library is needed for it.
"""

from __future__ import annotations

import base64
import re
import zlib

_STREAM = re.compile(
    rb"<<(?P<dict>(?:(?!>>\s*stream).)*?)>>\s*stream\r?\n(?P<data>.*?)endstream", re.S
)
_SHOWN = re.compile(rb"\((?P<text>(?:\\.|[^\\)])*)\)\s*Tj", re.S)
_ESCAPE = re.compile(rb"\\([0-7]{1,3}|.)", re.S)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _decoded(dictionary: bytes, data: bytes) -> bytes:
    for name in re.findall(rb"/(ASCII85Decode|FlateDecode)\b", dictionary):
        if name == b"ASCII85Decode":
            data = base64.a85decode(data.strip().removeprefix(b"<~"), adobe=True)
        else:
            data = zlib.decompress(data)
    return data


def _unescaped(text: bytes) -> bytes:
    def one(match: re.Match) -> bytes:
        code = match.group(1)
        if code[:1].isdigit():
            return bytes([int(code, 8) & 0xFF])
        if code in (b"\n", b"\r"):  # a line continuation
            return b""
        return _ESCAPES.get(code, code)

    return _ESCAPE.sub(one, text)


def pdf_text(pdf: bytes) -> str:
    """Every shown string of every page, in the order drawn, joined by single spaces
    (standard fonts use WinAnsiEncoding, i.e. cp1252)."""
    assert pdf.startswith(b"%PDF"), "not a PDF"
    shown = []
    for stream in _STREAM.finditer(pdf):
        content = _decoded(stream.group("dict"), stream.group("data"))
        for match in _SHOWN.finditer(content):
            shown.append(_unescaped(match.group("text")).decode("cp1252"))
    return " ".join(" ".join(shown).split())
