"""Writes train.jsonl beside this file: 1,000 image-caption records (F5) for the image models' samples.

Why generated: no public corpus in the project's shared data pairs product photos with captions under a licence
that allows copying, and the strictest image-caption minimum (Titan Multimodal Embeddings G1: 1,000 training
records) needs a thousand. The captions describe a made-up product catalogue photo shoot, composed from fixed word
lists (ten products, ten finishes, ten settings), so every caption is distinct and reads like a real one; the URIs
use AWS's documentation bucket name. No randomness: a rerun writes the same bytes.

    python sample_data/bedrock/image-caption/make_captions.py
"""

from __future__ import annotations

import json
from pathlib import Path

PRODUCTS = [
    ("ceramic-mug", "a ceramic coffee mug"), ("desk-lamp", "an adjustable desk lamp"),
    ("leather-backpack", "a leather backpack"), ("running-shoe", "a running shoe"),
    ("wall-clock", "a round wall clock"), ("teapot", "a cast-iron teapot"),
    ("headphones", "a pair of over-ear headphones"), ("armchair", "a low armchair"),
    ("water-bottle", "an insulated water bottle"), ("wristwatch", "an analogue wristwatch"),
]
FINISHES = [
    "in matte teal", "in glossy cherry red", "in brushed steel", "in pale oak and white", "in charcoal grey",
    "in mustard yellow", "in navy blue with cream stitching", "in soft sage green", "in warm terracotta",
    "in black with brass details",
]
SETTINGS = [
    "on a walnut table, soft morning light from a window on the left",
    "against a seamless white backdrop, studio lighting, centred",
    "on a concrete kitchen counter beside a bowl of lemons",
    "on a wooden shelf with a few paperback books, warm evening light",
    "on a picnic blanket in a sunny park, shallow depth of field",
    "in the hands of a person wearing a grey sweater, close-up",
    "on a marble surface with a sprig of eucalyptus, top-down view",
    "on a rainy windowsill, city lights blurred in the background",
    "on a desk next to a laptop and a notebook, overhead shot",
    "on a sandy beach at sunset, long shadows",
]
BUCKET = "s3://amzn-s3-demo-bucket/catalogue-shoot"


def records() -> list[dict[str, str]]:
    """Every product in every finish in every setting, numbered; PNG and JPEG alternate."""
    out = []
    for p, (slug, product) in enumerate(PRODUCTS):
        for f, finish in enumerate(FINISHES):
            for s, setting in enumerate(SETTINGS):
                number = p * 100 + f * 10 + s + 1
                suffix = "png" if number % 2 else "jpg"
                out.append({"image-ref": f"{BUCKET}/{slug}/{number:04d}.{suffix}",
                            "caption": f"{product} {finish} {setting}"})
    return out


def main() -> None:
    lines = [json.dumps(r, ensure_ascii=False) for r in records()]
    (Path(__file__).parent / "train.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
