"""Exports read back as a person's programs read them, for tests (docs/exports.md).

- `pdf_text(pdf)`: the text of a PDF as `pdftotext` extracts it (what a screen reader or
  a copy and paste gets), whitespace joined to single spaces.
- `pdf_info(pdf)`: `pdfinfo`'s fields ("Tagged", "Title", ...) and the XMP metadata.
- `pdf_structure(pdf)`, `pdf_fonts(pdf)`: the tag tree and the fonts (embedded or not).
- `pdf_alt_texts(pdf)`, `pdf_languages(pdf)`: the figures' alternative texts (`/Alt`) and
  the document's language (`/Lang`).
- `calc_csv(path, outdir)`: an XLSX opened by LibreOffice Calc (headless) and saved as
  CSV, each sheet's rows as Calc shows its cells.

The tools are Debian's (poppler-utils, libreoffice-calc-nogui; `make system-deps`). A
missing tool skips the test locally and fails it when RM_REQUIRE_BROWSER is set (CI),
as the provisioning tests do with slapd.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import tempfile
import zlib
from pathlib import Path

import pytest


def system_tool(name: str, package: str) -> str:
    """The path of the program `name`, or a skip (a failure in CI) naming its package."""
    path = shutil.which(name)
    if path is None:
        message = (
            f"{name} fehlt (apt-get install --no-install-recommends {package}; "
            f"`make system-deps`) / {name} is missing."
        )
        if os.environ.get("RM_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def _run(args: list[str], data: bytes | None = None) -> str:
    result = subprocess.run(  # noqa: S603 - fixed programs, our own arguments
        args, input=data, capture_output=True, check=True, timeout=120
    )
    return result.stdout.decode("utf-8")


def pdf_text(pdf: bytes, *, page: int | None = None) -> str:
    """The text of the whole PDF, or of one page (counted from 1)."""
    assert pdf.startswith(b"%PDF"), "not a PDF"
    pages = ["-f", str(page), "-l", str(page)] if page else []
    tool = system_tool("pdftotext", "poppler-utils")
    text = _run([tool, "-enc", "UTF-8", *pages, "-", "-"], pdf)
    return " ".join(text.split())


def pdf_info(pdf: bytes) -> dict[str, str]:
    """pdfinfo's "Key: value" lines, and the XMP metadata as "Metadata"."""
    tool = system_tool("pdfinfo", "poppler-utils")
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(pdf)
        file.flush()
        lines = _run([tool, "-enc", "UTF-8", file.name])
        metadata = _run([tool, "-meta", file.name])
    info = dict(line.split(":", 1) for line in lines.splitlines() if ":" in line)
    return {key.strip(): value.strip() for key, value in info.items()} | {"Metadata": metadata}


def pdf_structure(pdf: bytes) -> str:
    """The tag tree with its text, as `pdfinfo -struct-text` prints it."""
    tool = system_tool("pdfinfo", "poppler-utils")
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(pdf)
        file.flush()
        return _run([tool, "-struct-text", file.name])


def pdf_fonts(pdf: bytes) -> dict[str, bool]:
    """Each font's name and whether it is embedded, from `pdffonts`."""
    tool = system_tool("pdffonts", "poppler-utils")
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(pdf)
        file.flush()
        lines = _run([tool, file.name]).splitlines()[2:]
    # name type [type] encoding emb sub uni object ID: read emb from the right
    return {line.split()[0]: line.split()[-5] == "yes" for line in lines if line.strip()}


_STREAM = re.compile(rb"stream\r?\n(.*?)endstream", re.S)
_STRING = rb"(?:\((?P<literal>(?:\\.|[^\\)])*)\)|<(?P<hex>[0-9A-Fa-f\s]*)>)"


def _objects(pdf: bytes) -> list[bytes]:
    """The file and its decompressed streams: WeasyPrint keeps the catalog and the
    structure tree in compressed object streams."""
    chunks = [pdf]
    for stream in _STREAM.finditer(pdf):
        try:
            chunks.append(zlib.decompress(stream.group(1)))
        except zlib.error:
            continue
    return chunks


def _strings(pdf: bytes, key: bytes) -> list[str]:
    """Every string value of `/key` (literal strings as Latin-1, hex strings as UTF-16
    with BOM, as PDF writes text that is not ASCII)."""
    texts = []
    for chunk in _objects(pdf):
        for match in re.finditer(rb"/" + key + rb"\s*" + _STRING, chunk):
            if match.group("hex") is not None:
                raw = bytes.fromhex(match.group("hex").decode())
                texts.append(raw.decode("utf-16") if raw[:2] == b"\xfe\xff" else raw.decode())
            else:
                literal = re.sub(rb"\\(.)", rb"\1", match.group("literal"))
                texts.append(literal.decode("latin-1"))
    return texts


def pdf_alt_texts(pdf: bytes) -> list[str]:
    """The alternative texts (`/Alt`) of the figures in the structure tree."""
    return _strings(pdf, b"Alt")


def pdf_languages(pdf: bytes) -> list[str]:
    """Every `/Lang` of the document (the catalog's first)."""
    return _strings(pdf, b"Lang")


def calc_csv(path: Path, outdir: Path) -> dict[str, list[list[str]]]:
    """Every sheet of the workbook at `path` as LibreOffice Calc shows it: one CSV per
    sheet (UTF-8, semicolons, cells "as shown", formulas as their result), read back."""
    tool = system_tool("soffice", "libreoffice-calc-nogui")
    profile = Path(tempfile.mkdtemp(prefix="rm-lo-profile-"))
    try:
        # Filter options: separator ;, quote ", UTF-8, from line 1, standard cell format,
        # en-US, quoted as text off, detect numbers on, save as shown ON, formulas off,
        # spaces kept, every sheet (-1, one file "<name>-<sheet>.csv" each).
        options = "59,34,76,1,,1033,false,true,true,false,false,-1"
        subprocess.run(  # noqa: S603 - fixed program, our own arguments
            [
                tool,
                "--headless",
                "--norestore",
                f"-env:UserInstallation={profile.as_uri()}",
                "--convert-to",
                f"csv:Text - txt - csv (StarCalc):{options}",
                "--outdir",
                str(outdir),
                str(path),
            ],
            capture_output=True,
            check=True,
            timeout=180,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    sheets = {}
    for file in sorted(outdir.glob(f"{path.stem}-*.csv")):
        with file.open(encoding="utf-8", newline="") as handle:
            sheets[file.stem.removeprefix(f"{path.stem}-")] = list(
                csv.reader(handle, delimiter=";")
            )
    assert sheets, f"LibreOffice wrote no CSV for {path.name}"
    return sheets
