"""Uploaded photos: check them, turn them upright, strip them and shrink them into the two
JPEGs the app stores (a display copy and a thumbnail). Pure: no Flask, no database.

Nothing of the upload is stored as it came. Pillow must recognise the file as a format we
accept and decode every pixel of it; the copies are then encoded from pixels alone, so EXIF
(GPS position, camera serial numbers, MakerNote, the embedded thumbnail), XMP and comments
never reach the disk. The one thing kept is an RGB colour profile: without it, photos from
wide-gamut phone cameras (Display P3) look washed out.
"""

from __future__ import annotations

import hashlib
import io
import struct
import threading
import time
import warnings
from dataclasses import dataclass

import pillow_heif
from PIL import Image, ImageFile, UnidentifiedImageError

pillow_heif.register_heif_opener()

MAX_PIXELS = 50_000_000
# Formats decoded in full (all but JPEG, which libjpeg decodes at reduced size) are held
# to the memory their processing takes: bytes per pixel of each mode, measured as the
# peak of process_photo (decoded pixels, plus the premultiplied copy Pillow makes to
# resize with transparency, plus the conversion a mode needs first). See bench/photos.
MAX_DECODE_BYTES = 400_000_000  # a 48 MP HEIC (iPhone's largest) fits
DECODE_BYTES_PER_PIXEL = {"1": 3, "L": 2, "I;16": 6, "I;16B": 6, "I;16L": 6, "P": 11,
                          "RGB": 6, "LA": 10, "RGBA": 10, "CMYK": 10}
DECODE_BYTES_PER_PIXEL_OTHER = 10
# libwebp and libheif decode into buffers of their own before Pillow copies them.
DECODE_BYTES_PER_PIXEL_OF_FORMAT = {"WEBP": 16, "HEIF": 8}
# One photo decoded at a time per process: a threaded server (or several uploads at once
# in one worker) never holds more than one full-size decode in memory.
_DECODING = threading.BoundedSemaphore(1)
DISPLAY_MAX = 1600
THUMB_MAX = 400
ACCEPTED_FORMATS = {"JPEG", "MPO", "PNG", "WEBP", "HEIF"}

DISPLAY_QUALITY = 82
THUMB_QUALITY = 75

# Pillow has no "MPO" opener: multi-picture files come through the JPEG one.
_OPENERS = ("JPEG", "PNG", "WEBP", "HEIF")
_DRAFTABLE = {"JPEG", "MPO"}
# RuntimeError: pillow_heif's "security limit exceeded" on a damaged HEIC.
_DECODE_ERRORS = (OSError, ValueError, SyntaxError, EOFError, struct.error, RuntimeError)
_ORIENTATION = 0x0112
_TRANSPOSITIONS = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

_ACCEPTED_NAMES = "JPEG, PNG, WebP or HEIC"
_MESSAGES = {
    "empty": "The photo arrived empty. Please try again.",
    "not_an_image": f"This file is not a photo we can read ({_ACCEPTED_NAMES}).",
    "too_many_pixels": (
        f"This photo is too large to process (over {MAX_PIXELS // 1_000_000} megapixels). "
        "Please send a smaller one."
    ),
    "too_much_memory": (
        "This image is too large to process in this format. Please send it as a JPEG "
        "photo, or a smaller one."
    ),
    "damaged": "This photo is damaged or incomplete (perhaps the upload was cut short). "
    "Please send it again.",
}


class PhotoError(ValueError):
    """An upload we refuse; `code` is for the program, `message` is for the shopper."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class ProcessedPhoto:
    display: bytes
    thumbnail: bytes
    width: int
    height: int
    sha256: str
    upload_bytes: int
    source_format: str
    process_ms: float


def process_photo(
    data: bytes, *, display_max: int = DISPLAY_MAX, thumb_max: int = THUMB_MAX
) -> ProcessedPhoto:
    """Turn uploaded bytes into a display copy (long side at most `display_max`) and a
    thumbnail (at most `thumb_max`), both upright baseline JPEGs without metadata.

    Raises PhotoError when the bytes are not a complete photo in a format we accept."""
    started = time.perf_counter()
    if not data:
        raise _refusal("empty")
    with _DECODING:
        source = _read(data, display_max)
        turn, profile = _transposition(source), _rgb_profile(source)
        # Shrinking before the conversion to RGB keeps the full-size work in the decoded
        # mode (a 1-bit scan stays 1 byte a pixel, not 4); turning the shrunk copies
        # rather than the decoded photo gives the same pixels, sooner.
        display = _rgb(_shrink(_resizable(source), display_max))
        source_format = source.format
        del source
    thumbnail = _turned(_shrink(display, thumb_max, reducing_gap=1.0), turn)
    display = _turned(display, turn)
    return ProcessedPhoto(
        display=_jpeg(display, DISPLAY_QUALITY, profile),
        thumbnail=_jpeg(thumbnail, THUMB_QUALITY, profile),
        width=display.width,
        height=display.height,
        sha256=hashlib.sha256(data).hexdigest(),
        upload_bytes=len(data),
        source_format=source_format,
        process_ms=(time.perf_counter() - started) * 1000,
    )


def _read(data: bytes, bound: int) -> ImageFile.ImageFile:
    """Open, check and fully decode the upload.

    Pillow only warns about images between its own limit and twice that; the warning is an
    error here. `catch_warnings` restores the filters on the way out (it is process-wide
    while it runs, so a thread warning at that moment may see the stricter filter)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        source = _open(data)
        _decode(source, bound)
    return source


def _open(data: bytes) -> ImageFile.ImageFile:
    """Identify the upload and check its size; no pixel is decoded (nor memory allocated)
    yet, so a small file claiming a huge image costs nothing."""
    try:
        source = Image.open(io.BytesIO(data), formats=_OPENERS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
        raise _refusal("too_many_pixels") from err
    except UnidentifiedImageError as err:
        raise _unidentified(data) from err
    except _DECODE_ERRORS as err:
        raise _refusal("damaged") from err
    if source.format not in ACCEPTED_FORMATS:
        raise _unsupported(source.format)
    if source.width * source.height > MAX_PIXELS:
        raise _refusal("too_many_pixels")
    if source.format not in _DRAFTABLE and \
            decode_bytes(source.format, source.mode, source.size) > MAX_DECODE_BYTES:
        raise _refusal("too_much_memory")
    return source


def decode_bytes(image_format: str, mode: str, size: tuple[int, int]) -> int:
    """The peak memory that processing a photo of this format, mode and size takes when it
    is decoded in full."""
    per_pixel = DECODE_BYTES_PER_PIXEL_OF_FORMAT.get(image_format) or \
        DECODE_BYTES_PER_PIXEL.get(mode, DECODE_BYTES_PER_PIXEL_OTHER)
    return size[0] * size[1] * per_pixel


def _decode(source: ImageFile.ImageFile, bound: int) -> None:
    """Decode every pixel, so that a cut-short or corrupt upload is refused here.

    For JPEG, libjpeg first gets to decode at 1/2, 1/4 or 1/8 size: a 12-megapixel photo
    then decodes at 2016×1512 rather than 4032×3024, a quarter of the memory and of the
    pixels left to resize. It only scales down while both sides stay at least the size asked
    for, so ask with the photo's own aspect ratio. (pillow_heif's draft would decode an
    embedded thumbnail instead of the image, hence JPEG only.)"""
    if source.format in _DRAFTABLE:
        source.draft("RGB", _fit(source.size, bound))
    try:
        source.load()
    except _DECODE_ERRORS as err:
        raise _refusal("damaged") from err


def _transposition(source: Image.Image) -> Image.Transpose | None:
    """How to turn the pixels the way the camera was held (EXIF orientation). EXIF too
    malformed to read leaves the photo as stored: its pixels are still good."""
    try:
        return _TRANSPOSITIONS.get(source.getexif().get(_ORIENTATION))
    except (*_DECODE_ERRORS, TypeError):
        return None


def _turned(image: Image.Image, turn: Image.Transpose | None) -> Image.Image:
    return image if turn is None else image.transpose(turn)


def _resizable(image: Image.Image) -> Image.Image:
    """The image in a mode Pillow resizes smoothly: 1-bit as grey, 16-bit grey scaled
    down (rather than clipped) to 8-bit, a palette expanded."""
    if image.mode == "1":
        return image.convert("L")
    if image.mode.startswith("I;16"):  # Pillow keeps the mode: scale, then convert
        return image.point(lambda value: value / 256).convert("L")
    if image.mode == "P":
        return image.convert("RGBA" if image.has_transparency_data else "RGB")
    if image.mode in ("I", "F"):
        return image.convert("L")
    return image


def _rgb(image: Image.Image) -> Image.Image:
    """JPEG holds RGB without transparency: lay see-through parts on white (a receipt's
    paper, not Pillow's default black)."""
    if image.has_transparency_data:
        rgba = image.convert("RGBA")
        flattened = Image.new("RGB", image.size, "white")
        flattened.paste(rgba, mask=rgba.getchannel("A"))
        return flattened
    return image if image.mode == "RGB" else image.convert("RGB")


def _rgb_profile(source: Image.Image) -> bytes | None:
    """The upload's ICC profile, only when it describes RGB: the pixels stored are RGB, and
    a CMYK or grey profile attached to them would misdescribe every colour."""
    profile = source.info.get("icc_profile")
    return profile if profile and profile[16:20] == b"RGB " else None


def _fit(size: tuple[int, int], bound: int) -> tuple[int, int]:
    """`size` scaled down (never up) so that its long side is `bound`."""
    width, height = size
    if max(width, height) <= bound:
        return size
    scale = bound / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _shrink(image: Image.Image, bound: int, reducing_gap: float = 2.0) -> Image.Image:
    """Resize to fit `bound`: Lanczos for large reductions; Hamming for a last step of less
    than 2× (what remains after libjpeg's reduced-size decode), where it looks the same, text
    on receipts included, and takes half as long (25 ms rather than 50 for a 12 MP photo).

    Pillow first averages whole blocks of pixels while the rest of the reduction stays at
    least `reducing_gap`. The thumbnail uses 1.0 (a 1600 px copy becomes 400 px by averaging
    4×4 blocks): 2 ms rather than 11, and within 44 dB of a full Lanczos on a real photo,
    where 2.0 is within 53 dB; no one sees either difference at the size thumbnails show."""
    size = _fit(image.size, bound)
    if size == image.size:
        return image
    small_step = max(image.size) < 2 * max(size)
    resample = Image.Resampling.HAMMING if small_step else Image.Resampling.LANCZOS
    return image.resize(size, resample, reducing_gap=reducing_gap)


def _jpeg(image: Image.Image, quality: int, icc_profile: bytes | None) -> bytes:
    """Encode pixels alone. Every Pillow operation copies `info` (the upload's metadata)
    along, and saving reads from it: Pillow 13 writes info["comment"] unless told not to."""
    image.info = {}
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, icc_profile=icc_profile, optimize=True)
    return out.getvalue()


def _unidentified(data: bytes) -> PhotoError:
    """Why Pillow's openers for the accepted formats all declined the upload. Only the
    other formats' signature checks run (on the first 16 bytes, as Image.open does), never
    their parsers: a GIF is named as such without being read."""
    Image.init()
    prefix = data[:16]
    for name, (_factory, accept) in Image.OPEN.items():
        try:
            recognised = accept is not None and accept(prefix)
        except _DECODE_ERRORS:  # some checks need more bytes than a cut-short upload has
            recognised = False
        if recognised:
            return _refusal("damaged") if name in ACCEPTED_FORMATS else _unsupported(name)
    return _refusal("not_an_image")


def _unsupported(name: str | None) -> PhotoError:
    return PhotoError(
        "unsupported_format",
        f"We accept photos as {_ACCEPTED_NAMES}; this file is another kind of image ({name}).",
    )


def _refusal(code: str) -> PhotoError:
    return PhotoError(code, _MESSAGES[code])
