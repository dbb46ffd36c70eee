"""LZF decompression in pure Python, for ``binary_compressed`` PCD files.

Why our own decoder: the one other decoder at hand was open3d's C++ PCD reader, and a
crafted or damaged file crashed it (a segmentation fault that took ``footfit serve`` and
batches down, issue #16); PyPI has no maintained pure-Python LZF package (the packages named
lzf bind the C library). LZF is short: a stream of tokens, each either a run of 1-32 literal
bytes or a copy of 3-264 bytes from 1-8192 bytes back in the output. Every read and every
copy here is checked against the input and the declared output size, so a bad stream ends as
:class:`~footfit.io._common.ScanFileError`, never out of bounds and never larger than
``expected``.

Speed: one Python step per token (a literal run copies up to 32 bytes, a back-reference up
to 264), about 4-6 MB/s of output on float data, which hardly compresses: ~0.2 s for a
100k-point cloud with normals (2.4 MB).

References
----------
.. [1] M. Lehmann, liblzf 3.6, ``lzf_d.c`` (the format's reference decoder).
"""

from __future__ import annotations

from footfit.io._common import ScanFileError

__all__ = ["lzf_decompress", "lzf_max_ratio"]

#: Largest output per input byte an LZF stream can reach (a 3-byte token copying 264 bytes).
lzf_max_ratio = 88


def lzf_decompress(data: bytes, expected: int) -> bytes:
    """Decompress an LZF stream that must unpack to exactly ``expected`` bytes.

    Parameters
    ----------
    data : bytes
        The compressed stream.
    expected : int
        Bytes the stream must produce (from the file's header).

    Returns
    -------
    bytes
        ``expected`` bytes.

    Raises
    ------
    ScanFileError
        The stream is truncated, refers before the start of the output, or produces more or
        fewer bytes than ``expected``.

    Examples
    --------
    >>> lzf_decompress(bytes([2]) + b"abc" + bytes([0x20, 2]), 6)  # 'abc', then 3 back
    b'abcabc'
    """
    if expected < 0 or expected > len(data) * lzf_max_ratio + 32:
        raise ScanFileError(
            f"corrupt compressed block ({len(data)} bytes cannot unpack to {expected})"
        )
    out = bytearray()
    ip, n_in = 0, len(data)
    src = memoryview(data)
    while ip < n_in:
        ctrl = data[ip]
        ip += 1
        if ctrl < 32:  # literal run of ctrl + 1 bytes
            end = ip + ctrl + 1
            if end > n_in:
                raise ScanFileError("corrupt compressed block (literal run past its end)")
            out += src[ip:end]
            ip = end
        else:  # back-reference: length (3 bits, + extension byte) and distance (13 bits)
            length = ctrl >> 5
            if length == 7:
                if ip >= n_in:
                    raise ScanFileError("corrupt compressed block (truncated back-reference)")
                length += data[ip]
                ip += 1
            if ip >= n_in:
                raise ScanFileError("corrupt compressed block (truncated back-reference)")
            dist = ((ctrl & 0x1F) << 8) + data[ip] + 1
            ip += 1
            length += 2
            op = len(out)
            ref = op - dist
            if ref < 0:
                raise ScanFileError(
                    "corrupt compressed block (back-reference before the start)"
                )
            if dist >= length:
                out += out[ref : ref + length]
            else:  # overlapping copy repeats the last `dist` bytes
                pattern = out[ref:op]
                out += (pattern * (length // dist + 1))[:length]
        if len(out) > expected:
            raise ScanFileError(
                f"corrupt compressed block (unpacks to more than the {expected} bytes declared)"
            )
    if len(out) != expected:
        raise ScanFileError(
            f"corrupt compressed block (unpacks to {len(out)} bytes, {expected} declared)"
        )
    return bytes(out)
