"""Draws the images of this sample and writes metadata.jsonl beside them (Hugging Face's imagefolder layout).

The images are dataprep's own: flat shapes drawn with Pillow on canvases inside every image-caption model's
limits (sides 512 to 4,096 pixels, aspect ratio within 1:4 to 4:1, well under 5 MB). No randomness.

    python sample_data/raw/captioned-images/make_images.py
"""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).parent
# (file, size, background, shape, colour, caption)
IMAGES = [
    ("images/red-circle.png", (768, 512), "white", "ellipse", "#d62728",
     "a red circle centred on a white background, flat vector illustration"),
    ("images/blue-square.png", (512, 512), "#f4f1ea", "rectangle", "#1f77b4",
     "a blue square on an off-white background, flat vector illustration"),
    ("images/green-triangle.jpg", (640, 960), "white", "triangle", "#2ca02c",
     "a green triangle pointing up on a white background, portrait format"),
    ("images/orange-ring.png", (1024, 576), "#202020", "ring", "#ff7f0e",
     "an orange ring on a dark grey background, wide format"),
    ("images/purple-bars.jpg", (800, 600), "white", "bars", "#9467bd",
     "three purple vertical bars of rising height on a white background"),
    ("images/yellow-sun.png", (600, 600), "#87ceeb", "sun", "#ffd700",
     "a yellow sun with short rays in a light blue sky"),
]


def draw(size: tuple[int, int], background: str, shape: str, colour: str) -> Image.Image:
    """One flat shape, centred, on a plain canvas."""
    image = Image.new("RGB", size, background)
    pen = ImageDraw.Draw(image)
    w, h = size
    box = (w // 4, h // 4, 3 * w // 4, 3 * h // 4)
    if shape in ("ellipse", "sun"):
        pen.ellipse(box, fill=colour)
    if shape == "sun":
        for dx, dy in ((0, -1), (0, 1), (-1, 0), (1, 0)):
            cx, cy = w // 2 + dx * w * 3 // 8, h // 2 + dy * h * 3 // 8
            pen.ellipse((cx - 10, cy - 10, cx + 10, cy + 10), fill=colour)
    if shape == "rectangle":
        pen.rectangle(box, fill=colour)
    if shape == "triangle":
        pen.polygon([(w // 2, h // 4), (w // 4, 3 * h // 4), (3 * w // 4, 3 * h // 4)], fill=colour)
    if shape == "ring":
        pen.ellipse((w // 2 - h // 4, h // 4, w // 2 + h // 4, 3 * h // 4), outline=colour, width=h // 12)
    if shape == "bars":
        for i in range(3):
            left = w // 4 + i * w // 6
            pen.rectangle((left, 3 * h // 4 - (i + 1) * h // 6, left + w // 10, 3 * h // 4), fill=colour)
    return image


def main() -> None:
    rows = []
    for name, size, background, shape, colour, caption in IMAGES:
        image = draw(size, background, shape, colour)
        image.save(HERE / name, **({"quality": 90} if name.endswith(".jpg") else {"optimize": True}))
        rows.append({"file_name": name, "text": caption})
    (HERE / "metadata.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


if __name__ == "__main__":
    main()
