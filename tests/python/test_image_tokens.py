"""Issue 16: image tokens per image, as transformers' own processors compute them.

tests/fixtures/vision/image-tokens.json holds, for a set of image sizes, Qwen2VLImageProcessor's smart_resize
(transformers 5.24 models/qwen2_vl/image_processing_qwen2_vl.py, factor = patch_size 14 × merge_size 2, the default
min/max pixels) and Idefics3ImageProcessor.get_number_of_image_patches (models/idefics3/image_processing_idefics3.py,
default size 4 × 364 and max_image_size 364). The TypeScript port (shared/estimate/vision.ts) is checked against the
same file in tests/unit/estimate/vision-images.test.ts. The functions are taken from the installed transformers source
itself (they need neither torchvision nor PIL, which the image-processor modules import at the top).
Regenerate with: python tests/python/test_image_tokens.py --write
"""

import ast
import json
import math
import pathlib
import sys
import textwrap

import transformers

FIXTURE = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "vision" / "image-tokens.json"
MODELS = pathlib.Path(transformers.__file__).parent / "models"
SIZES = [
    (1024, 1024), (640, 480), (1920, 1080), (224, 224), (28, 28), (100, 4000),
    (333, 517), (56, 56), (1001, 1001), (3000, 2000), (5000, 300),
]


def _functions(path, names):
    src = (MODELS / path).read_text()
    found = {}
    for node in ast.walk(ast.parse(src)):
        name = node.name if isinstance(node, ast.FunctionDef) else None
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
        if name in names:
            found[name] = textwrap.dedent(ast.get_source_segment(src, node))
    assert set(found) == set(names), f"{path}: missing {set(names) - set(found)}"
    return found


def compute():
    scope = {"math": math}
    exec(_functions("qwen2_vl/image_processing_qwen2_vl.py", ["smart_resize"])["smart_resize"], scope)
    idefics = _functions(
        "idefics3/image_processing_idefics3.py",
        [
            "MAX_IMAGE_SIZE",
            "_resize_output_size_rescale_to_max_len",
            "_resize_output_size_scale_below_upper_bound",
            "get_number_of_image_patches",
        ],
    )
    for code in idefics.values():
        exec(code, scope)

    class Defaults:  # Idefics3ImageProcessor class attributes
        do_image_splitting = True
        size = {"longest_edge": 4 * 364}
        max_image_size = {"longest_edge": 364}

    out = {"transformers": transformers.__version__, "qwen2_vl": [], "idefics3": []}
    for w, h in SIZES:
        rh, rw = scope["smart_resize"](h, w, factor=28)
        patches = (rh // 14) * (rw // 14)
        row = {"width": w, "height": h, "resizedWidth": rw, "resizedHeight": rh}
        out["qwen2_vl"].append({**row, "patches": patches, "tokens": patches // 4})
        tiles, rows, cols = scope["get_number_of_image_patches"](Defaults(), h, w, {})
        out["idefics3"].append({"width": w, "height": h, "tiles": tiles, "rows": rows, "cols": cols})
    return out


def test_fixture_matches_transformers():
    expected = json.loads(FIXTURE.read_text())
    got = compute()
    assert got["qwen2_vl"] == expected["qwen2_vl"]
    assert got["idefics3"] == expected["idefics3"]


if __name__ == "__main__" and "--write" in sys.argv:
    FIXTURE.write_text(json.dumps(compute(), indent=2) + "\n")
