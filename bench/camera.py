"""Photos as phones make them, generated so that no benchmark depends on a file: gradients
under per-channel noise (JPEG decoding costs what it costs on a real photo, which a flat
colour would not), EXIF with the orientation the phone was held at, a GPS position and the
camera's make and model."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import ExifTags, Image

TWELVE_MEGAPIXELS = (4032, 3024)
SIDEWAYS = 6  # EXIF orientation of a phone held upright: stored landscape, shown portrait


def scene(size: tuple[int, int], grain: float = 0.2, seed: int = 0) -> Image.Image:
    """A photo-like picture: three gradients (one per channel) under noise. `seed` moves the
    gradients so that pictures made with different seeds differ in every pixel."""
    red = Image.linear_gradient("L").resize(size)
    green = Image.linear_gradient("L").transpose(Image.Transpose.TRANSPOSE).resize(size)
    blue = Image.radial_gradient("L").resize(size)
    if seed:
        red = red.point(lambda v: (v + 37 * seed) % 256)
    picture = Image.merge("RGB", (red, green, blue))
    noise = Image.merge("RGB", [Image.effect_noise(size, sigma) for sigma in (60, 50, 40)])
    return Image.blend(picture, noise, grain)


def camera_exif(orientation: int) -> bytes:
    """What a phone writes: orientation, make and model, and where the photo was taken."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "Phone"
    exif[ExifTags.Base.Model] = "Camera 12MP"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps.update({ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (53.0, 47.0, 52.8),
                ExifTags.GPS.GPSLongitudeRef: "W", ExifTags.GPS.GPSLongitude: (1.0, 32.0, 31.2)})
    return exif.tobytes()


def camera_jpeg(size: tuple[int, int] = TWELVE_MEGAPIXELS, *, orientation: int = SIDEWAYS,
                quality: int = 90, grain: float = 0.2, seed: int = 0) -> bytes:
    """A camera JPEG as it leaves the phone: 4032×3024 at quality 90 is about 4 MB."""
    out = io.BytesIO()
    scene(size, grain, seed).save(out, "JPEG", quality=quality, exif=camera_exif(orientation))
    return out.getvalue()


def downscaled_jpeg(seed: int = 0, size: tuple[int, int] = (2000, 1500)) -> bytes:
    """A photo as the phone sends it after its in-browser downscale (long side 2000 px,
    quality 0.8, no EXIF): about 300 KB."""
    out = io.BytesIO()
    scene(size, grain=0.1, seed=seed).save(out, "JPEG", quality=80)
    return out.getvalue()


def flat_png(size: tuple[int, int], bit_depth: int, colour_type: int) -> bytes:
    """A PNG of one flat colour written row by row, so that a 7000×7000 16-bit RGBA one (a
    few hundred KB that decode to hundreds of MB) is made without holding its pixels.
    `colour_type` 0 is grey, 6 is RGBA (PNG's numbering)."""
    width, height = size
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour_type]
    row = b"\x00" + bytes((width * channels * bit_depth + 7) // 8)  # filter 0, then zeros
    packer = zlib.compressobj(9)
    pixels = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + \
            struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + \
        chunk(b"IEND", b"")
