"""What a file really is, read from its first bytes (content sniffing), not from its name."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FileType:
    """A recognised evidence format: its kind, MIME type and the extensions it may carry."""

    kind: str  # photo | audio | video | document
    mime: str
    extensions: tuple[str, ...]


JPEG = FileType("photo", "image/jpeg", ("jpg", "jpeg"))
PNG = FileType("photo", "image/png", ("png",))
HEIC = FileType("photo", "image/heic", ("heic", "heif"))
MP3 = FileType("audio", "audio/mpeg", ("mp3",))
WAV = FileType("audio", "audio/wav", ("wav",))
M4A = FileType("audio", "audio/mp4", ("m4a",))
AMR = FileType("audio", "audio/amr", ("amr",))
MP4 = FileType("video", "video/mp4", ("mp4",))
MOV = FileType("video", "video/quicktime", ("mov",))
AVI = FileType("video", "video/x-msvideo", ("avi",))
PDF = FileType("document", "application/pdf", ("pdf",))
KNOWN = (JPEG, PNG, HEIC, MP3, WAV, M4A, AMR, MP4, MOV, AVI, PDF)

_FTYP_BRANDS = {
    b"heic": HEIC, b"heix": HEIC, b"mif1": HEIC, b"msf1": HEIC,
    b"M4A ": M4A, b"M4B ": M4A, b"qt  ": MOV,
    b"isom": MP4, b"iso2": MP4, b"mp41": MP4, b"mp42": MP4, b"avc1": MP4, b"dash": MP4, b"3gp4": MP4,
    b"3gp5": MP4, b"3g2a": MP4,
}


def _riff(head: bytes) -> FileType | None:
    if head[:4] != b"RIFF":
        return None
    return {b"WAVE": WAV, b"AVI ": AVI}.get(head[8:12])


def sniff(content: bytes) -> FileType | None:
    """The format the bytes are in, or None when they are none of the accepted evidence formats."""
    head = content[:32]
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"#!AMR"):
        return AMR
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0
                                   and head[1] & 0x06):
        return MP3  # an ID3 tag or an MPEG audio frame sync with a layer set
    if head[4:8] == b"ftyp":
        return _FTYP_BRANDS.get(head[8:12])
    return _riff(head)


def extension(filename: str) -> str:
    """The lower-case extension of a file name, without the dot ('' when there is none)."""
    stem, dot, ext = (filename or "").rpartition(".")
    return ext.lower() if dot and stem else ""
