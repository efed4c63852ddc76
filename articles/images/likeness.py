"""When two pictures are the same picture: a perceptual hash (dHash), how plain a picture
is, and its average colour. Moderation hides look-alikes of a hidden picture with these.
"""

from __future__ import annotations

from PIL import Image as PILImage

HASH_SIZE = 8  # dHash of 8x8 = 64 bits


def perceptual_hash(picture: PILImage.Image) -> str:
    """64-bit difference hash (dHash) as 16 hex digits: close for the same picture
    re-encoded or resized, far for different pictures. Compare with ``hash_distance``."""
    small = picture.convert("L").resize((HASH_SIZE + 1, HASH_SIZE), PILImage.Resampling.LANCZOS)
    pixels = small.tobytes()
    bits = 0
    for row in range(HASH_SIZE):
        for col in range(HASH_SIZE):
            left = pixels[row * (HASH_SIZE + 1) + col]
            right = pixels[row * (HASH_SIZE + 1) + col + 1]
            bits = (bits << 1) | (left > right)
    return f"{bits:016x}"


PLAIN_SHARE = 0.55  # of the pixels in one colour bucket: a plain picture


TONE_DISTANCE = 48  # largest RGB distance between two look-alikes' average colours


def picture_traits(picture: PILImage.Image) -> tuple[bool, str]:
    """Whether a picture is plain (most of it one colour, or very few colours: a logo
    or an emblem on a plain ground, a banner, a placeholder), and its average colour as
    six hex digits. dHash sees only shapes in grey, so two different plain pictures, or
    the same badge in red and in blue, look alike to it; these two traits keep them apart."""
    data = picture.convert("RGB").resize((32, 32), PILImage.Resampling.BILINEAR).tobytes()
    pixels = [(data[i], data[i + 1], data[i + 2]) for i in range(0, len(data), 3)]
    buckets: dict[tuple[int, int, int], int] = {}
    totals = [0, 0, 0]
    for red, green, blue in pixels:
        key = (red >> 5, green >> 5, blue >> 5)
        buckets[key] = buckets.get(key, 0) + 1
        totals[0] += red
        totals[1] += green
        totals[2] += blue
    count = len(pixels)
    plain = max(buckets.values()) / count >= PLAIN_SHARE or len(buckets) <= 4
    tone = "".join(f"{total // count:02x}" for total in totals)
    return plain, tone


def same_tone(first: str, second: str) -> bool:
    """Whether two average colours (``picture_traits``) could be one picture's."""
    try:
        a, b = bytes.fromhex(first), bytes.fromhex(second)
    except ValueError:
        return False
    if len(a) != 3 or len(b) != 3:
        return False
    return sum((x - y) ** 2 for x, y in zip(a, b, strict=True)) <= TONE_DISTANCE**2


def is_distinctive(phash: str) -> bool:
    """Whether a perceptual hash says enough about its picture to match look-alikes by:
    a flat or nearly flat picture (a blank placeholder, a solid banner, a logo on a
    plain ground) has rows of all-equal bits, and two of those look alike to dHash
    whatever they show."""
    try:
        bits = int(phash, 16)
    except ValueError:
        return False
    rows = [(bits >> (8 * n)) & 0xFF for n in range(HASH_SIZE)]
    varied_rows = sum(1 for row in rows if row not in (0x00, 0xFF))
    return varied_rows >= HASH_SIZE - 2 and 12 <= bits.bit_count() <= 52


def hash_distance(first: str, second: str) -> int:
    """Number of differing bits between two perceptual hashes (0 = same picture)."""
    return (int(first, 16) ^ int(second, 16)).bit_count()
