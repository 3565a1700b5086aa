"""RFC 6587 framing of TCP syslog streams and the text check of frames."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seawall.collect.framing import FrameCounters, TcpFramer, datagram_frame, frame_text

IOS = b"<189>57: r1: *Mar  1 00:12:01.123: %SYS-5-CONFIG_I: Configured from console by admin"
XR = b"<187>RP/0/RSP0/CPU0:Jun  4 12:00:00.000 UTC: sshd[1]: %SECURITY-SSHD-6-INFO_SUCCESS: ok"
TLS_HELLO = bytes.fromhex("16030100c4010000c00303") + bytes(range(0x80, 0xA0))


def octet(message: bytes) -> bytes:
    return b"%d %s" % (len(message), message)


def frame_all(chunks: list[bytes], max_size: int = 65536) -> tuple[list[bytes], FrameCounters]:
    counters = FrameCounters()
    framer = TcpFramer(counters, max_size)
    frames: list[bytes] = []
    for chunk in chunks:
        frames += framer.feed(chunk)
    frames += framer.close()
    return frames, counters


def bytewise(stream: bytes) -> list[bytes]:
    return [stream[i : i + 1] for i in range(len(stream))]


@pytest.mark.parametrize("terminator", [b"\n", b"\r\n", b"\x00"])
def test_non_transparent_framing_with_each_terminator(terminator: bytes) -> None:
    stream = IOS + terminator + XR + terminator
    for chunks in ([stream], bytewise(stream)):
        frames, counters = frame_all(chunks)
        assert frames == [IOS, XR]
        assert (counters.line_frames, counters.octet_frames, counters.junk) == (2, 0, 0)


def test_octet_counting_keeps_line_breaks_inside_a_frame() -> None:
    multi = b"<13>Jan  1 00:00:00 h app: first line\nsecond line"
    stream = octet(IOS) + octet(multi) + octet(XR)
    for chunks in ([stream], bytewise(stream)):
        frames, counters = frame_all(chunks)
        assert frames == [IOS, multi, XR]
        assert (counters.octet_frames, counters.line_frames) == (3, 0)
    assert frame_text(multi) == "<13>Jan  1 00:00:00 h app: first line#012second line"


def test_framings_mixed_on_one_connection() -> None:
    stream = octet(IOS) + XR + b"\n" + octet(XR) + IOS + b"\r\n"
    frames, counters = frame_all(bytewise(stream))
    assert frames == [IOS, XR, XR, IOS]
    assert (counters.octet_frames, counters.line_frames, counters.received) == (2, 2, 4)


def test_line_starting_with_digits_is_not_an_octet_header() -> None:
    # Cisco lines without PRI start with the sequence number: "000123: ..." is a line.
    line = b"000123: *Mar  1 00:00:01: %LINK-3-UPDOWN: Interface Tunnel0, changed state to up"
    iso = b"2024-06-01T10:00:00Z r1 sshd[1]: Accepted"
    frames, counters = frame_all(bytewise(line + b"\n" + iso + b"\n"))
    assert frames == [line, iso]
    assert counters.octet_frames == 0


@pytest.mark.parametrize("split", [False, True])
def test_binary_junk_between_frames_is_counted_and_skipped(split: bool) -> None:
    # A TLS hello sent to the syslog port, then both framings: the connection survives.
    stream = octet(IOS) + TLS_HELLO + octet(XR) + b"\x01\x02\xff" + IOS + b"\n"
    frames, counters = frame_all(bytewise(stream) if split else [stream])
    assert frames == [IOS, XR, IOS]
    # TLS_HELLO holds a NUL (a terminator) with binary on both sides: still one junk run.
    assert counters.junk == 2
    assert counters.junk_bytes == len(TLS_HELLO) - TLS_HELLO.count(b"\x00") + 3


def test_junk_without_any_resync_point_is_dropped_but_a_header_tail_kept() -> None:
    counters = FrameCounters()
    framer = TcpFramer(counters)
    # The junk ends in "12": possibly the start of an octet-counting header, kept.
    assert framer.feed(b"\x05\x06\x07\x08junk\xffjunk12") == []
    assert framer.feed(b" <13>abcdefgh") == [b"<13>abcdefgh"]
    # Junk ending in text that cannot start a header is dropped whole.
    assert framer.feed(b"\x05\x06junk") == []
    assert framer.feed(IOS + b"\n") == [IOS]
    assert (counters.junk, counters.junk_bytes) == (2, 13 + 6)


def test_oversize_octet_frame_is_skipped_exactly() -> None:
    big = b"<13>" + b"x" * 5000
    stream = octet(IOS) + octet(big) + octet(XR)
    for chunks in ([stream], [stream[i : i + 700] for i in range(0, len(stream), 700)]):
        frames, counters = frame_all(chunks, max_size=1024)
        assert frames == [IOS, XR]
        assert (counters.oversize, counters.received) == (1, 2)


def test_oversize_line_is_skipped_up_to_its_terminator() -> None:
    big = b"<13>" + b"y" * 5000
    stream = IOS + b"\n" + big + b"\n" + XR + b"\n"
    for chunks in ([stream], [stream[i : i + 333] for i in range(0, len(stream), 333)]):
        frames, counters = frame_all(chunks, max_size=1024)
        assert frames == [IOS, XR]
        assert counters.oversize == 1


def test_close_keeps_an_unterminated_last_line_and_counts_a_cut_frame() -> None:
    frames, counters = frame_all([IOS + b"\n" + XR])
    assert frames == [IOS, XR]
    frames, counters = frame_all([octet(IOS) + b"200 <13>cut short"])
    assert frames == [IOS]
    assert counters.truncated == 1


def test_frame_text() -> None:
    assert frame_text(IOS) == IOS.decode()
    assert frame_text(b"<13>host caf\xe9 logged in") == "<13>host caf\ufffd logged in"
    assert frame_text(b"<13>\x1b[31mred") is None
    assert frame_text(TLS_HELLO) is None
    assert frame_text(bytes(range(0x80, 0xC0))) is None  # not UTF-8 at all
    assert frame_text(b"a\tb\r\nc") == "a\tb#015#012c"


def test_datagram_frame() -> None:
    counters = FrameCounters()
    assert datagram_frame(IOS + b"\r\n", 1024, counters) == IOS
    assert datagram_frame(IOS + b"\x00", 1024, counters) == IOS
    assert datagram_frame(b"\n", 1024, counters) is None
    assert datagram_frame(b"<13>" + b"z" * 2000, 1024, counters) is None
    assert (counters.received, counters.oversize) == (2, 1)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600), st.integers(min_value=1, max_value=50))
def test_random_bytes_never_break_the_framer(data: bytes, chunk: int) -> None:
    counters = FrameCounters()
    framer = TcpFramer(counters, max_size=128)
    frames: list[bytes] = []
    for start in range(0, len(data), chunk):
        frames += framer.feed(data[start : start + chunk])
    frames += framer.close()
    assert counters.received == len(frames)
    assert all(0 < len(f) <= 128 for f in frames)
    assert counters.bytes == len(data)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["octet", "lf", "crlf", "nul"]),
            st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=80),
        ),
        max_size=20,
    ),
    st.integers(min_value=1, max_value=40),
)
def test_any_chunking_of_valid_frames_gives_the_same_frames(
    messages: list[tuple[str, str]], chunk: int
) -> None:
    stream = b""
    expected = []
    for framing, body in messages:
        message = b"<14>" + body.encode()
        message = message.rstrip(b" ") if framing != "octet" else message
        expected.append(message.rstrip(b"\r\n\x00"))
        terminators = {"lf": b"\n", "crlf": b"\r\n", "nul": b"\x00"}
        stream += octet(message) if framing == "octet" else message + terminators[framing]
    frames, counters = frame_all([stream[i : i + chunk] for i in range(0, len(stream), chunk)])
    assert frames == expected
    assert counters.junk == 0


def texts_of(chunks: list[bytes], fast: bool, max_size: int = 256) -> tuple[list[str], dict]:
    """What a connection delivers: decoded messages in order (junk frames left out)."""
    counters = FrameCounters()
    framer = TcpFramer(counters, max_size)
    out: list[str] = []
    for chunk in chunks:
        if fast:
            texts, frames = framer.feed_texts(chunk)
            out += texts
        else:
            frames = framer.feed(chunk)
        out += [t for t in map(frame_text, frames) if t is not None]
    out += [t for t in map(frame_text, framer.close()) if t is not None]
    return out, counters.as_dict()


def test_plain_runs_are_decoded_in_one_go() -> None:
    counters = FrameCounters()
    framer = TcpFramer(counters)
    stream = IOS + b"\r\n" + XR + b"\n\n" + IOS + b"\n" + octet(XR) + IOS[:10]
    texts, frames = framer.feed_texts(stream)
    assert texts == [IOS.decode(), XR.decode(), IOS.decode()]
    assert frames == [XR]  # the octet-counted frame after the run, in stream order
    assert framer.feed_texts(IOS[10:] + b"\n") == ([IOS.decode()], [])  # the cut line
    assert (counters.line_frames, counters.octet_frames) == (4, 1)


_LINES = [IOS, XR, b"000123: *Mar 1: %LINK-3-UPDOWN: x", b"12 <13>abc", b"<13>caf\xe9"]
_BYTES = [b"\n", b"\r\n", b"\x00", b"\r", b"\t", b"\x16\x03\x01", b"\xff\xfe", b"7", b" ", b"<"]
_FRAMES = [octet(IOS), octet(b"<13>a\nb"), b"<13>" + b"w" * 300]
_pieces = st.sampled_from([*_LINES, *_BYTES, *_FRAMES])


@settings(max_examples=400, deadline=None)
@given(st.lists(_pieces, max_size=25), st.integers(min_value=1, max_value=120))
def test_fast_path_delivers_exactly_what_the_frame_scan_does(
    pieces: list[bytes], chunk: int
) -> None:
    stream = b"".join(pieces)
    chunks = [stream[i : i + chunk] for i in range(0, len(stream), chunk)]
    assert texts_of(chunks, fast=True) == texts_of(chunks, fast=False)


_plain_line = st.tuples(st.sampled_from(_LINES[:3]), st.sampled_from([b"\n", b"\r\n"])).map(
    b"".join
)
_mostly_plain = st.lists(  # nine plain lines for one odd piece
    st.one_of(*[_plain_line] * 9, st.sampled_from([*_LINES, *_BYTES, *_FRAMES])), max_size=25
)


@settings(max_examples=400, deadline=None)
@given(_mostly_plain, st.integers(min_value=1, max_value=400))
def test_fast_path_on_mostly_plain_streams(pieces: list[bytes], chunk: int) -> None:
    stream = b"".join(pieces)
    chunks = [stream[i : i + chunk] for i in range(0, len(stream), chunk)]
    assert texts_of(chunks, fast=True) == texts_of(chunks, fast=False)
