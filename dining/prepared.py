"""A page kept ready to send: split around its CSRF token, and gzip-compressed once.

The lunchtime page is the same for every anonymous visitor but for the CSRF token of the language
switch. It is kept as the parts around a placeholder, and as the same parts compressed once into
raw deflate blocks, each ended by a full flush (no part refers back into another). A request puts
its token between the parts: as is, or as a stored (never compressed) deflate block inside one
gzip member, and computes the CRC-32 (a few microseconds). No compression per request, and the
token is never compressed together with text a visitor can put into the page (BREACH).
"""

import os
import re
import struct
import zlib

from django.conf import settings
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH, get_token

# The test of Django's GZipMiddleware: gzip is named in Accept-Encoding.
ACCEPTS_GZIP = re.compile(r"\bgzip\b")
# Magic, deflate, no flags, no mtime, no extra flags, OS unknown (RFC 1952).
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
_CHAR_INDEX = {char: n for n, char in enumerate(CSRF_ALLOWED_CHARS)}
# Bytes below this limit map evenly onto the alphabet (62 × 4 = 248).
_EVEN_LIMIT = 256 - 256 % len(CSRF_ALLOWED_CHARS)


def csrf_token(request) -> bytes:
    """A masked CSRF token for the page, as get_token() gives.

    get_token() draws its mask with one secrets.choice() per character and marks the cookie to
    be sent again; together that is a large part of a warm /dining/ request. When the visitor
    sent a valid cookie: the same masking (Django's _mask_cipher_secret) with the mask drawn
    from one os.urandom() call, and the cookie left as it is (it lasts CSRF_COOKIE_AGE, and
    every form page of the portal renews it). Otherwise get_token() itself."""
    secret = request.META.get("CSRF_COOKIE")
    if secret is None or settings.CSRF_USE_SESSIONS or len(secret) != CSRF_SECRET_LENGTH:
        return get_token(request).encode()
    size = len(CSRF_ALLOWED_CHARS)
    mask = [byte % size for byte in os.urandom(2 * CSRF_SECRET_LENGTH) if byte < _EVEN_LIMIT]
    if len(mask) < CSRF_SECRET_LENGTH:  # 33 of 64 bytes above the limit: practically never
        return get_token(request).encode()
    mask = mask[:CSRF_SECRET_LENGTH]
    cipher = [(_CHAR_INDEX[char] + m) % size for char, m in zip(secret, mask, strict=True)]
    return "".join([CSRF_ALLOWED_CHARS[n] for n in mask + cipher]).encode()


def accepts_gzip(request) -> bool:
    return bool(ACCEPTS_GZIP.search(request.META.get("HTTP_ACCEPT_ENCODING", "")))


class PreparedPage:
    """The bytes of a page around each `placeholder`, plain and deflated."""

    __slots__ = ("deflated", "parts")

    def __init__(self, page: bytes, placeholder: bytes):
        self.parts = page.split(placeholder)
        compressor = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
        last = len(self.parts) - 1
        self.deflated = [
            compressor.compress(part)
            + compressor.flush(zlib.Z_FINISH if n == last else zlib.Z_FULL_FLUSH)
            for n, part in enumerate(self.parts)
        ]

    def body(self, token: bytes) -> bytes:
        return token.join(self.parts)

    def gzip_body(self, token: bytes) -> bytes:
        # A stored block: BFINAL 0, BTYPE 00 (byte-aligned after the flush), LEN, NLEN, bytes.
        stored = b"\x00" + struct.pack("<HH", len(token), len(token) ^ 0xFFFF) + token
        crc = zlib.crc32(self.parts[0])
        for part in self.parts[1:]:
            crc = zlib.crc32(part, zlib.crc32(token, crc))
        size = sum(map(len, self.parts)) + len(token) * (len(self.parts) - 1)
        trailer = struct.pack("<II", crc, size & 0xFFFFFFFF)
        return b"".join((GZIP_HEADER, stored.join(self.deflated), trailer))
