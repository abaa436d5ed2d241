"""Photo uploads: what a shopper's photo looks like once stored (upright, without location
or camera data, colours and transparency kept sensible, shrunk), and which files are refused."""

from __future__ import annotations

import hashlib
import io
import math
import struct
import tracemalloc
import warnings
import zlib
from pathlib import Path

import pytest
from PIL import ExifTags, Image, ImageChops, ImageStat

from bench.camera import flat_png
from shopper.domain import photos
from shopper.domain.photos import MAX_DECODE_BYTES, MAX_PIXELS, PhotoError, process_photo

SAMPLES = Path(__file__).resolve().parent / "fixtures" / "photos"
XMP_NAMESPACE = b"http://ns.adobe.com/xap/1.0/"
LOOKS_ALIKE = 12  # mean absolute difference (0-255) at 32×32 between two copies of a picture
ORIENTATIONS = range(2, 9)
SIDEWAYS = {5, 6, 7, 8}
# How to store an upright picture so that EXIF orientation N turns it back.
STORED_AS = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


def sample(name: str) -> bytes:
    """A real-world file from tests/fixtures/photos (see its README)."""
    return (SAMPLES / name).read_bytes()


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def difference(one: Image.Image, other: Image.Image) -> float:
    """How different two pictures look, whatever their sizes: mean absolute difference
    per channel once both are shrunk to 32×32."""
    small = [image.convert("RGB").resize((32, 32), Image.Resampling.BOX) for image in (one, other)]
    return sum(ImageStat.Stat(ImageChops.difference(*small)).mean) / 3


def encoded(image: Image.Image, kind: str = "JPEG", **options) -> bytes:
    out = io.BytesIO()
    image.save(out, kind, **options)
    return out.getvalue()


def segments(jpeg: bytes) -> list[tuple[int, bytes]]:
    """The (marker, payload) pairs of a JPEG's header, up to the start of the image data."""
    assert jpeg[:2] == b"\xff\xd8"
    found, at = [], 2
    while True:
        marker, length = jpeg[at + 1], int.from_bytes(jpeg[at + 2 : at + 4], "big")
        found.append((marker, jpeg[at + 4 : at + 2 + length]))
        if marker == 0xDA:
            return found
        at += 2 + length


def assert_stripped(jpeg: bytes) -> None:
    """No EXIF, XMP, comment, Photoshop/IPTC or multi-picture block: only JFIF (APP0), an
    ICC profile (APP2) and what a baseline JPEG needs."""
    for marker, payload in segments(jpeg):
        assert marker in {0xC0, 0xC4, 0xDA, 0xDB, 0xDD, 0xE0, 0xE2}, hex(marker)
        if marker == 0xE2:
            assert payload.startswith(b"ICC_PROFILE\0")
    assert b"Exif\0\0" not in jpeg
    assert XMP_NAMESPACE not in jpeg
    image = opened(jpeg)
    assert image.format == "JPEG"
    assert not image.getexif()
    assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert not {"exif", "xmp", "comment", "photoshop", "mp"} & set(image.info)


def tiff_directory(entries: list[tuple[int, int, int, bytes]], start: int, following=0):
    """One little-endian TIFF directory placed at `start`: (tag, type, count, value) entries,
    values longer than 4 bytes stored after it."""
    table, extra = struct.pack("<H", len(entries)), b""
    data_at = start + 2 + 12 * len(entries) + 4
    for tag, kind, count, value in entries:
        if len(value) <= 4:
            table += struct.pack("<HHI", tag, kind, count) + value.ljust(4, b"\0")
        else:
            table += struct.pack("<HHII", tag, kind, count, data_at + len(extra))
            extra += value
    return table + struct.pack("<I", following) + extra


def camera_exif(orientation: int, thumbnail: bytes) -> bytes:
    """EXIF as a phone writes it: orientation, a MakerNote, a GPS position and an embedded
    thumbnail (IFD1). Pillow's Exif.tobytes() cannot write a thumbnail, hence by hand."""
    short, long_, rational, undefined, ascii_ = 3, 4, 5, 7, 2
    maker_note = b"Apple iOS\0\0\1MM" + b"\x17" * 64
    exif_at = 8 + 2 + 3 * 12 + 4
    exif_ifd = tiff_directory([(0x927C, undefined, len(maker_note), maker_note)], exif_at)
    gps_at = exif_at + len(exif_ifd)
    latitude = struct.pack("<6I", 53, 1, 47, 1, 4321, 100)
    gps_ifd = tiff_directory(
        [(1, ascii_, 2, b"N\0"), (2, rational, 3, latitude), (3, ascii_, 2, b"W\0")], gps_at
    )
    thumb_at = gps_at + len(gps_ifd)
    ifd1 = tiff_directory(
        [
            (0x0201, long_, 1, struct.pack("<I", thumb_at + 2 + 2 * 12 + 4)),
            (0x0202, long_, 1, struct.pack("<I", len(thumbnail))),
        ],
        thumb_at,
    )
    ifd0 = tiff_directory(
        [
            (0x0112, short, 1, struct.pack("<H", orientation)),
            (0x8769, long_, 1, struct.pack("<I", exif_at)),
            (0x8825, long_, 1, struct.pack("<I", gps_at)),
        ],
        8,
        following=thumb_at,
    )
    return b"Exif\0\0II*\0" + struct.pack("<I", 8) + ifd0 + exif_ifd + gps_ifd + ifd1 + thumbnail


XMP_PACKET = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
    b'xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="53,47.4321N"/>'
    b"</rdf:RDF></x:xmpmeta>"
)


def iptc_segment(city: bytes) -> bytes:
    """An APP13 Photoshop block holding the IPTC city, as photo editors write it."""
    iptc = b"\x1c\x02\x5a" + struct.pack(">H", len(city)) + city
    resource = b"8BIM\x04\x04\0\0" + struct.pack(">I", len(iptc)) + iptc
    payload = b"Photoshop 3.0\0" + resource
    return b"\xff\xed" + struct.pack(">H", len(payload) + 2) + payload


def phone_jpeg(upright: Image.Image, orientation: int, **options) -> bytes:
    """`upright` stored the way a phone stores it: pixels as the sensor read them, plus
    orientation, location (EXIF GPS and XMP), a MakerNote, IPTC, a comment and a thumbnail."""
    turn = STORED_AS[orientation]
    stored = upright if turn is None else upright.transpose(turn)
    thumbnail = encoded(stored.resize((160, 120)), quality=60)
    return encoded(
        stored,
        exif=camera_exif(orientation, thumbnail),
        xmp=XMP_PACKET,
        comment=b"Shopper 1138 at the reception",
        extra=iptc_segment(b"Leeds"),
        **options,
    )


def scene(size: tuple[int, int]) -> Image.Image:
    """A picture unlike its mirror image or any rotation of it (red grows downwards, green
    rightwards), with some texture."""
    down = Image.linear_gradient("L").resize(size)
    right = Image.linear_gradient("L").transpose(Image.Transpose.TRANSPOSE).resize(size)
    base = Image.merge("RGB", (down, right, Image.new("L", size, 128)))
    return Image.blend(base, Image.effect_noise(size, 48).convert("RGB"), 0.2)


@pytest.fixture(scope="module")
def twelve_megapixels():
    """A portrait photo from a 12-megapixel phone: 4032×3024 stored, EXIF orientation 6."""
    upright = scene((3024, 4032))
    return upright, phone_jpeg(upright, 6, quality=90)


@pytest.fixture
def pixel_buffers(monkeypatch):
    """The size of every image buffer Pillow allocates while the test runs. They are
    allocated in C, where tracemalloc cannot see them."""
    sizes = []
    allocate = Image.core.new

    def new(mode, size, *args):
        sizes.append(size)
        return allocate(mode, size, *args)

    monkeypatch.setattr(Image.core, "new", new)
    return sizes


def png_claiming(width: int, height: int) -> bytes:
    """A valid-looking 1-bit greyscale PNG header claiming width×height, with almost no data."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        checksum = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", checksum)

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


# Upright ------------------------------------------------------------------------------------


@pytest.mark.parametrize("orientation", ORIENTATIONS)
def test_every_exif_orientation_comes_out_upright(orientation):
    data = sample(f"hopper_orientation_{orientation}.jpg")
    upright = opened(sample("hopper.jpg"))

    display = opened(process_photo(data).display)

    assert difference(opened(data), upright) > 3 * LOOKS_ALIKE  # stored pixels are turned
    assert difference(display, upright) < LOOKS_ALIKE


@pytest.mark.parametrize("orientation", range(1, 9))
def test_sideways_photos_swap_width_and_height(orientation):
    upright = scene((120, 60))
    data = phone_jpeg(upright, orientation, quality=95)
    assert opened(data).size == ((60, 120) if orientation in SIDEWAYS else (120, 60))

    photo = process_photo(data)

    assert (photo.width, photo.height) == (120, 60)
    assert opened(photo.display).size == (120, 60)
    assert opened(photo.thumbnail).size == (120, 60)
    assert difference(opened(photo.display), upright) < LOOKS_ALIKE


def test_a_png_carrying_an_exif_orientation_is_turned():
    data = sample("exif_imagemagick_orientation.png")
    stored = opened(data)
    assert stored.getexif()[ExifTags.Base.Orientation] == 3

    display = opened(process_photo(data).display)

    # The pattern nearly matches itself upside down: compare with both, not a fixed bar.
    turned = difference(display, stored.transpose(Image.Transpose.ROTATE_180))
    assert turned < LOOKS_ALIKE
    assert 5 * turned < difference(display, stored)


# Stripped -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["exif_gps.jpg", "xmp_padded.jpg", "hopper.jpg", "invalid-exif.jpg", "sugarshack.mpo"]
)
def test_location_and_camera_data_never_reach_the_stored_copies(name):
    photo = process_photo(sample(name))

    assert_stripped(photo.display)
    assert_stripped(photo.thumbnail)


def test_a_phone_photo_loses_gps_maker_note_thumbnail_xmp_iptc_and_comment():
    data = phone_jpeg(scene((300, 200)), 1, quality=90)
    source = Image.open(io.BytesIO(data))
    assert source.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert ExifTags.Base.MakerNote in source.getexif().get_ifd(ExifTags.IFD.Exif)
    assert ExifTags.Base.JpegIFOffset in source.getexif().get_ifd(ExifTags.IFD.IFD1)
    assert {"xmp", "comment", "photoshop"} <= set(source.info)

    photo = process_photo(data)

    assert_stripped(photo.display)
    assert_stripped(photo.thumbnail)
    for copy in (photo.display, photo.thumbnail):
        for trace in (b"53,47", b"Apple iOS", b"Shopper 1138", b"Leeds"):
            assert trace not in copy


def test_the_colour_profile_is_kept():
    data = sample("icc_profile_big.jpg")
    profile = Image.open(io.BytesIO(data)).info["icc_profile"]

    photo = process_photo(data)

    assert opened(photo.display).info["icc_profile"] == profile
    assert opened(photo.thumbnail).info["icc_profile"] == profile
    assert_stripped(photo.display)


def icc_header(colour_space: bytes) -> bytes:
    """The 128-byte header and empty tag table of an ICC profile for `colour_space`: enough
    for a JPEG to carry it and a reader to tell what it describes."""
    header = struct.pack(
        ">I4s4s4s4s4s", 132, b"none", b"\x04\x20\0\0", b"prtr", colour_space, b"Lab "
    )
    header = header.ljust(36, b"\0") + b"acsp"
    return header.ljust(128, b"\0") + struct.pack(">I", 0)


def test_a_cmyk_photo_comes_out_rgb_and_looking_the_same():
    data = sample("pil_sample_cmyk.jpg")
    source = opened(data)
    assert source.mode == "CMYK"

    display = opened(process_photo(data).display)

    assert display.mode == "RGB"
    assert difference(display, source.convert("RGB")) < LOOKS_ALIKE


@pytest.mark.parametrize(("mode", "colour_space"), [("CMYK", b"CMYK"), ("L", b"GRAY")])
def test_a_profile_for_other_colours_than_rgb_is_dropped(mode, colour_space):
    data = encoded(Image.new(mode, (16, 16)), icc_profile=icc_header(colour_space))
    assert opened(data).info["icc_profile"][16:20] == colour_space

    photo = process_photo(data)

    for copy in (opened(photo.display), opened(photo.thumbnail)):
        assert copy.mode == "RGB"
        assert "icc_profile" not in copy.info


def test_copies_are_baseline_jpegs():
    photo = process_photo(sample("icc_profile_big.jpg"))  # a progressive JPEG

    for copy in (photo.display, photo.thumbnail):
        markers = [marker for marker, _ in segments(copy)]
        assert 0xC0 in markers and 0xC2 not in markers


# Transparency -------------------------------------------------------------------------------


def half_transparent(mode: str) -> bytes:
    """A PNG whose left half is see-through and right half opaque black."""
    image = Image.new("RGBA", (40, 20), (0, 0, 0, 0))
    image.paste((0, 0, 0, 255), (20, 0, 40, 20))
    if mode == "P":
        return encoded(image.convert("P"), "PNG", transparency=image.convert("P").getpixel((0, 0)))
    return encoded(image.convert(mode), "PNG")


@pytest.mark.parametrize("mode", ["RGBA", "LA", "P"])
def test_see_through_parts_of_a_png_come_out_white(mode):
    display = opened(process_photo(half_transparent(mode)).display)

    assert min(display.getpixel((5, 10))) > 240
    assert max(display.getpixel((35, 10))) < 15


def test_see_through_parts_of_a_webp_come_out_white():
    data = sample("transparent.webp")
    source = opened(data)
    assert source.getpixel((0, 0))[3] == 0

    on_white = Image.alpha_composite(Image.new("RGBA", source.size, "white"), source)

    display = opened(process_photo(data).display)

    assert display.size == source.size
    assert min(display.getpixel((0, 0))) > 240
    assert difference(display, on_white) < LOOKS_ALIKE


def test_sixteen_bit_grey_is_scaled_not_clipped():
    data = encoded(Image.new("I;16", (10, 10), 0x8000), "PNG")

    display = opened(process_photo(data).display)

    assert 120 <= display.getpixel((5, 5))[0] <= 136


# Formats ------------------------------------------------------------------------------------


def test_an_iphone_heic_photo_is_accepted():
    photo = process_photo(sample("hopper.heif"))

    assert photo.source_format == "HEIF"
    assert difference(opened(photo.display), opened(sample("hopper.jpg"))) < LOOKS_ALIKE
    assert_stripped(photo.display)


def test_a_multi_picture_camera_file_is_accepted_as_one_plain_jpeg():
    photo = process_photo(sample("sugarshack.mpo"))

    assert photo.source_format == "MPO"
    assert (photo.width, photo.height) == (640, 480)
    assert opened(photo.display).format == "JPEG"


@pytest.mark.parametrize("name", ["exif_typeerror.jpg", "invalid-exif.jpg"])
def test_malformed_exif_does_not_stop_a_photo(name):
    source = opened(sample(name))

    photo = process_photo(sample(name))

    assert (photo.width, photo.height) == source.size
    assert difference(opened(photo.display), source) < LOOKS_ALIKE


def test_a_small_photo_is_not_enlarged_and_the_sizes_can_be_chosen():
    data = sample("hopper.jpg")

    assert opened(process_photo(data).display).size == (128, 128)
    photo = process_photo(data, display_max=64, thumb_max=16)
    assert opened(photo.display).size == (64, 64)
    assert opened(photo.thumbnail).size == (16, 16)


# Refused ------------------------------------------------------------------------------------


def refusal(data: bytes) -> PhotoError:
    with pytest.raises(PhotoError) as caught:
        process_photo(data)
    error = caught.value
    assert isinstance(error, ValueError)
    assert error.message == str(error) and error.message.endswith(".")
    return error


def test_a_photo_cut_short_is_refused_as_damaged():
    assert refusal(sample("truncated_jpeg.jpg")).code == "damaged"


def test_a_jpeg_cut_in_half_is_refused_as_damaged():
    data = sample("hopper.jpg")
    assert refusal(data[: len(data) // 2]).code == "damaged"


def test_a_web_page_named_jpg_is_not_an_image():
    error = refusal(b"<!doctype html><html><body>Not a photo</body></html>")

    assert error.code == "not_an_image"
    assert "JPEG, PNG, WebP or HEIC" in error.message


def test_an_empty_upload_is_refused():
    assert refusal(b"").code == "empty"


@pytest.mark.parametrize("kind", ["GIF", "BMP", "TIFF"])
def test_other_image_formats_are_unsupported(kind):
    error = refusal(encoded(Image.new("RGB", (8, 8), "red"), kind))

    assert error.code == "unsupported_format"
    assert kind in error.message


def test_a_decompression_bomb_gif_is_refused_without_decoding(pixel_buffers):
    data = sample("decompression_bomb.gif")

    tracemalloc.start()
    try:
        error = refusal(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert error.code in {"too_many_pixels", "unsupported_format"}
    assert pixel_buffers == []
    assert peak < 50_000_000


def test_a_png_claiming_forty_thousand_pixels_square_is_refused_unread(pixel_buffers):
    tracemalloc.start()
    try:
        error = refusal(png_claiming(40_000, 40_000))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert error.code == "too_many_pixels"
    assert pixel_buffers == []
    assert peak < 50_000_000


def test_a_small_png_that_would_decode_to_hundreds_of_mb_is_refused_unread(pixel_buffers):
    """381 KB of 16-bit RGBA PNG, 7000×7000: under the pixel limit, but decoded in full (no
    draft mode for PNG) its processing would take about 490 MB."""
    data = flat_png((7000, 7000), 16, 6)
    assert len(data) < 400_000

    error = refusal(data)

    assert error.code == "too_much_memory"
    assert "JPEG" in error.message
    assert pixel_buffers == []


def test_a_one_bit_scan_is_shrunk_before_it_becomes_colour(monkeypatch):
    """A 1-bit PNG of 7000×7000 (6 KB) is processed, and becomes RGB (4 bytes a pixel)
    only at display size: at full size it stays a byte a pixel (bench: 115 MB, not 314)."""
    converted = []
    to_rgb = photos._rgb
    monkeypatch.setattr(photos, "_rgb", lambda image: converted.append(
        (image.mode, image.size)) or to_rgb(image))

    photo = process_photo(flat_png((7000, 7000), 1, 0))

    assert (photo.width, photo.height) == (1600, 1600)
    assert opened(photo.display).getpixel((800, 800)) == (0, 0, 0)
    assert converted == [("L", (1600, 1600))]


def test_the_largest_iphone_photo_fits_the_memory_limit():
    """A 48 MP HEIC (8064×6048, the iPhone's largest) is estimated under the limit, a 16-bit
    RGBA PNG of the same pixels is not."""
    assert photos.decode_bytes("HEIF", "RGB", (8064, 6048)) <= MAX_DECODE_BYTES
    assert photos.decode_bytes("PNG", "RGBA", (8064, 6048)) > MAX_DECODE_BYTES


def test_one_photo_is_decoded_at_a_time_per_process(monkeypatch):
    """Uploads processed by several threads of one worker never hold two full-size decodes
    in memory at once."""
    import threading
    import time

    running, most = [0], [0]
    decode = photos._decode

    def slow_decode(source, bound):
        running[0] += 1
        most[0] = max(most[0], running[0])
        time.sleep(0.05)
        decode(source, bound)
        running[0] -= 1

    monkeypatch.setattr(photos, "_decode", slow_decode)
    data = encoded(Image.new("RGB", (64, 48), "red"))
    threads = [threading.Thread(target=process_photo, args=(data,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most[0] == 1


@pytest.mark.parametrize("size", [(8000, 6251), (10_000, 10_000)])
def test_photos_over_the_pixel_limit_are_refused_unread(size, pixel_buffers):
    """Just over MAX_PIXELS (under Pillow's own limit), and where Pillow only warns."""
    assert size[0] * size[1] > MAX_PIXELS
    with warnings.catch_warnings(record=True) as escaped:
        warnings.simplefilter("always")
        filters = list(warnings.filters)
        error = refusal(png_claiming(*size))
        assert list(warnings.filters) == filters

    assert error.code == "too_many_pixels"
    assert pixel_buffers == []
    assert escaped == []


def test_pixel_buffers_fixture_sees_a_decode(pixel_buffers):
    process_photo(sample("hopper.jpg"))

    assert (128, 128) in pixel_buffers


# A 12-megapixel phone photo -----------------------------------------------------------------


def test_a_twelve_megapixel_phone_photo_is_stored_upright_shrunk_and_stripped(
    twelve_megapixels, pixel_buffers
):
    upright, data = twelve_megapixels

    photo = process_photo(data)

    display, thumbnail = opened(photo.display), opened(photo.thumbnail)
    assert (photo.width, photo.height) == display.size == (1200, 1600)
    assert thumbnail.size == (300, 400)
    assert difference(display, upright) < LOOKS_ALIKE
    assert_stripped(photo.display)
    assert_stripped(photo.thumbnail)
    assert photo.sha256 == hashlib.sha256(data).hexdigest()
    assert photo.upload_bytes == len(data)
    assert photo.source_format == "JPEG"
    assert photo.process_ms > 0
    # libjpeg decoded it at half size: the full 4032×3024 was never held in memory.
    assert max(width * height for width, height in pixel_buffers) == 2016 * 1512


def test_the_thumbnail_is_as_sharp_as_a_full_lanczos_of_the_display_copy():
    """The thumbnail is made by averaging blocks of the display copy (quick), not by a
    full Lanczos from it: on a real photo the two must still look alike pixel for pixel."""
    photo = opened(sample("sugarshack.mpo")).convert("RGB").resize((1600, 1200))
    result = process_photo(encoded(photo, quality=95))
    display, thumbnail = opened(result.display), opened(result.thumbnail)
    assert thumbnail.size == (400, 300)
    # The full Lanczos, stored the same way (a JPEG at the thumbnail's quality).
    exact = opened(encoded(display.resize((400, 300), Image.Resampling.LANCZOS), quality=75))
    squares = ImageStat.Stat(ImageChops.difference(thumbnail, exact).point(lambda v: v * v))
    psnr = 10 * math.log10(255 ** 2 / (sum(squares.mean) / 3))
    # 38.6 dB here; blurring by half a thumbnail pixel before the Lanczos gives 34.5.
    assert psnr > 37
