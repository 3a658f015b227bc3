"""Attachment types recognised from their first bytes, never from a name or a header.

Photos: JPEG, PNG, WebP, HEIC/HEIF. Audio: AMR (the usual voice-memo format on
Chinese phones), MP3, AAC (ADTS), M4A, WAV, Ogg. Anything else is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

MB = 1024 * 1024


@dataclass(frozen=True)
class MediaType:
    mime: str
    family: str  # "photo" | "audio"
    extension: str


_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif"}
_M4A_BRANDS = {b"M4A ", b"M4B ", b"mp42", b"isom"}

JPEG = MediaType("image/jpeg", "photo", "jpg")
PNG = MediaType("image/png", "photo", "png")
WEBP = MediaType("image/webp", "photo", "webp")
HEIC = MediaType("image/heic", "photo", "heic")
AMR = MediaType("audio/amr", "audio", "amr")
MP3 = MediaType("audio/mpeg", "audio", "mp3")
AAC = MediaType("audio/aac", "audio", "aac")
M4A = MediaType("audio/mp4", "audio", "m4a")
WAV = MediaType("audio/wav", "audio", "wav")
OGG = MediaType("audio/ogg", "audio", "ogg")

MAX_BYTES = {"photo": 10 * MB, "audio": 20 * MB}
MIN_BYTES = 16


def sniff(head: bytes) -> MediaType | None:
    """The media type of content starting with ``head`` (its first 32 bytes suffice)."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return WAV
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _HEIF_BRANDS and brand != b"avif":
            return HEIC
        if brand in _M4A_BRANDS:
            return M4A
        return None
    if head.startswith(b"#!AMR"):
        return AMR
    if head.startswith(b"ID3"):
        return MP3
    if head.startswith(b"OggS"):
        return OGG
    if len(head) >= 2 and head[0] == 0xFF:
        if head[1] in (0xF1, 0xF9):  # ADTS sync word, MPEG-4/2 AAC, no CRC
            return AAC
        if head[1] & 0xE0 == 0xE0 and head[1] & 0x06:  # MPEG audio frame sync, a layer
            return MP3
    return None


class AttachmentRefused(ValueError):
    """Content that is not an accepted type, or too big or too small for its type."""

    def __init__(self, code: str, en: str, zh: str):
        super().__init__(en)
        self.code, self.en, self.zh = code, en, zh


def check_attachment(content: bytes) -> MediaType:
    """The type of ``content`` if it is acceptable; ``AttachmentRefused`` otherwise."""
    if len(content) < MIN_BYTES:
        raise AttachmentRefused(
            "too-small", "The file is empty or truncated.", "文件为空或不完整。"
        )
    kind = sniff(content[:32])
    if kind is None:
        raise AttachmentRefused(
            "unsupported-type",
            "Only photos (JPEG, PNG, WebP, HEIC) and audio (AMR, MP3, AAC, M4A, WAV, Ogg) "
            "are accepted; the content is none of these.",
            "只接受照片（JPEG、PNG、WebP、HEIC）和音频（AMR、MP3、AAC、M4A、WAV、Ogg），"
            "该文件内容不属于这些类型。",
        )
    limit = MAX_BYTES[kind.family]
    if len(content) > limit:
        raise AttachmentRefused(
            "too-large",
            f"A {kind.family} may be at most {limit // MB} MB.",
            f"{'照片' if kind.family == 'photo' else '音频'}不能超过 {limit // MB} MB。",
        )
    return kind
