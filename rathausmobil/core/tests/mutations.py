"""Near-valid files for the property tests (hypothesis): valid sample lines, mutated the
way files go wrong in practice. Used by the table imports' and the VPN parsers' tests."""

from hypothesis import strategies as st

HUGE = ["99999999999999999999999", "-1", "0", "00", "99", "9999", "10000", "4294967296", "1e400"]
DATES = ["2021-13-45", "0000-00-00", "9999-12-31", "1969-12-31", "31.02.2021", "00.00.0000"]
DATES += ["29.02.2021", "32.13.99999", "Feb 30", "Xyz 1"]
TIMES = ["24:00:00", "23:59:60", "99:99:99", "-1:00:00", "07:58"]
SEPARATORS = [",", ";", "\t", " ", "  ", "|", "=", '"', "<", ">", "[", "]", ":", "."]
MUTATIONS = ["truncate", "swap", "encode", "nul", "digits", "separator", "insert", "drop", "double"]


def _digits_replaced(line: bytes, data: st.DataObject) -> bytes:
    text = line.decode("utf-8", "replace")
    runs = [i for i, c in enumerate(text) if c.isdigit() and (i == 0 or not text[i - 1].isdigit())]
    if not runs:
        return line
    start = data.draw(st.sampled_from(runs))
    end = start
    while end < len(text) and text[end].isdigit():
        end += 1
    new = data.draw(st.sampled_from(HUGE + DATES + TIMES))
    return (text[:start] + new + text[end:]).encode()


def _fields_swapped(line: bytes, data: st.DataObject) -> bytes:
    sep = data.draw(st.sampled_from([b" ", b",", b";", b"\t", b"="]))
    parts = line.split(sep)
    if len(parts) < 2:
        return line
    i = data.draw(st.integers(0, len(parts) - 1))
    j = data.draw(st.integers(0, len(parts) - 1))
    parts[i], parts[j] = parts[j], parts[i]
    return sep.join(parts)


def _encoded(line: bytes, data: st.DataObject) -> bytes:
    text = line.decode("utf-8", "replace") + data.draw(st.sampled_from(["", " Müller", " Straße"]))
    codec = data.draw(st.sampled_from(["cp1252", "latin-1", "utf-8-sig", "utf-16-le"]))
    return text.encode(codec, errors="replace")


def mutate(line: bytes, data: st.DataObject) -> bytes:
    """One line, mutated in one of the ways of ``MUTATIONS``."""
    how = data.draw(st.sampled_from(MUTATIONS))
    pos = data.draw(st.integers(0, len(line)))
    if how == "truncate":
        return line[:pos]
    if how == "swap":
        return _fields_swapped(line, data)
    if how == "encode":
        return _encoded(line, data)
    if how == "nul":
        return line[:pos] + b"\x00" + line[pos:]
    if how == "digits":
        return _digits_replaced(line, data)
    if how == "separator":
        old = data.draw(st.sampled_from(SEPARATORS)).encode()
        new = data.draw(st.sampled_from(SEPARATORS)).encode()
        return line.replace(old, new)
    if how == "insert":
        return line[:pos] + data.draw(st.binary(max_size=12)) + line[pos:]
    if how == "drop":
        return b""
    return line + b"\n" + line  # the same line twice (a relay or an export repeating)


@st.composite
def near_valid(draw, sample: bytes, *, max_mutations: int = 6) -> bytes:
    """``sample`` with one to ``max_mutations`` of its lines mutated, perhaps other line
    ends and a byte order mark."""
    lines = sample.split(b"\n")
    data = draw(st.data())
    for _ in range(draw(st.integers(1, max_mutations))):
        i = draw(st.integers(0, len(lines) - 1))
        lines[i] = mutate(lines[i], data)
    joined = b"\n".join(lines)
    if draw(st.booleans()):
        joined = joined.replace(b"\n", draw(st.sampled_from([b"\r\n", b"\r", b"\n\n"])))
    if draw(st.booleans()):
        joined = b"\xef\xbb\xbf" + joined
    return joined
