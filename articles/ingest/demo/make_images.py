"""Generate the demo's bundled pictures (run once; the JPEGs are committed).

Abstract, photo-like scenes (sky, hills, sea, sun, city blocks) in a Moroccan palette,
drawn with Pillow from a fixed seed: no third-party photos, so no licence to carry.
Usage: python articles/ingest/demo/make_images.py
"""

from __future__ import annotations

import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

OUT = Path(__file__).resolve().parent / "images"
PALETTES = [
    ((20, 60, 120), (230, 160, 80), (180, 70, 40)),  # dusk over the Atlas
    ((120, 180, 220), (40, 110, 60), (240, 220, 180)),  # green valley
    ((10, 40, 80), (30, 90, 140), (250, 250, 240)),  # Atlantic coast
    ((200, 120, 60), (150, 60, 30), (245, 200, 120)),  # desert
    ((90, 140, 200), (200, 200, 210), (160, 40, 40)),  # city
    ((30, 30, 50), (200, 40, 40), (40, 140, 70)),  # stadium at night
]
COUNT = 12
SIZE = (960, 540)


def scene(seed: int) -> Image.Image:
    rng = random.Random(seed)
    sky, land, accent = PALETTES[seed % len(PALETTES)]
    image = Image.new("RGB", SIZE, sky)
    draw = ImageDraw.Draw(image)
    width, height = SIZE
    for y in range(height // 2):  # sky gradient
        shade = tuple(min(255, c + y // 4) for c in sky)
        draw.line([(0, y), (width, y)], fill=shade)
    sun_x, sun_r = rng.randint(100, width - 100), rng.randint(30, 70)
    draw.ellipse((sun_x - sun_r, 80 - sun_r, sun_x + sun_r, 80 + sun_r), fill=accent)
    for layer in range(3):  # hills
        base = height // 2 + layer * 60
        points = (
            [(0, height)]
            + [(x, base - rng.randint(0, 90 - layer * 20)) for x in range(0, width + 80, 80)]
            + [(width, height)]
        )
        tone = tuple(max(0, c - layer * 25) for c in land)
        draw.polygon(points, fill=tone)
    for _ in range(rng.randint(4, 12)):  # buildings or trees
        x = rng.randint(0, width - 60)
        w, h = rng.randint(20, 60), rng.randint(40, 160)
        draw.rectangle((x, height - h, x + w, height), fill=accent)
    noisy = image.filter(ImageFilter.GaussianBlur(1.2))
    return noisy.effect_spread(2)


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for index in range(COUNT):
        scene(index).save(OUT / f"demo-{index:02d}.jpg", "JPEG", quality=72, optimize=True)


if __name__ == "__main__":
    main()
