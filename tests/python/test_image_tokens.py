"""Issue 16: image tokens per image, as transformers' own processors compute them.

tests/fixtures/vision/image-tokens.json holds, for a set of image sizes, Qwen2VLImageProcessor's smart_resize
(transformers 5.24 models/qwen2_vl/image_processing_qwen2_vl.py, factor = patch_size 14 × merge_size 2, the default
min/max pixels) and Idefics3ImageProcessor.get_number_of_image_patches (models/idefics3/image_processing_idefics3.py,
default size 4 × 364 and max_image_size 364). The TypeScript port (shared/estimate/vision.ts) is checked against the
same file in tests/unit/estimate/vision-images.test.ts. The functions are taken from the installed transformers source
itself (they need neither torchvision nor PIL, which the image-processor modules import at the top).

Phi-3-V (phi3_v) has no transformers class: its processor is Hub remote code. Its size and token functions below are
copied verbatim (trailing spaces dropped) from microsoft/Phi-3.5-vision-instruct image_processing_phi3_v.py
(calc_padded_size, calc_hd_transform_size, and the count of Phi3VImageProcessor.calc_num_image_tokens_from_image_size),
as found in a
public copy of the Hub file (the code search's "Processor class for Phi3-V" file that inlines the image processor);
the fixture holds their output for num_crops 4 (the processor's default for Phi-3.5-vision) and 16.

Phi-4-multimodal (phi4_multimodal): Phi4MultimodalImageProcessor's own methods (models/phi4_multimodal/
image_processing_phi4_multimodal.py find_closest_aspect_ratio, dynamic_preprocess, pad_to_max_num_crops,
pad_mask_to_max_num_crops and _preprocess, taken from the installed source) run on a blank image of each size; only
torchvision's resize and pad (imported at the module's top, not installed here) are stood in for by functions that
return a blank tensor of the size they would return, and rescale/normalise by the identity: neither changes a shape,
and the token count reads only shapes and the attention mask. The fixture holds the padded size, the crop grid and
num_img_tokens for dynamic_hd 36 (the processor's default) and 16.

Regenerate with: python tests/python/test_image_tokens.py --write
"""

import ast
import json
import math
import pathlib
import sys
import textwrap

import numpy as np
import transformers

FIXTURE = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "vision" / "image-tokens.json"
MODELS = pathlib.Path(transformers.__file__).parent / "models"
SIZES = [
    (1024, 1024), (640, 480), (1920, 1080), (224, 224), (28, 28), (100, 4000),
    (333, 517), (56, 56), (1001, 1001), (3000, 2000), (5000, 300),
]
PHI4_MORE_SIZES = [(4032, 3024), (8000, 1000), (2689, 2689), (6000, 6000), (1000, 3000), (2000, 2001), (900, 4480)]


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


# --- microsoft/Phi-3.5-vision-instruct image_processing_phi3_v.py, verbatim -------------------------------------
def calc_padded_size(width, height, padding_unit=336):
    target_height = int(np.ceil(height / padding_unit) * padding_unit)
    top_padding = int((target_height - height) / 2)
    bottom_padding = target_height - height - top_padding
    left_padding = 0
    right_padding = 0
    padded_width = width + left_padding + right_padding
    padded_height = height + top_padding + bottom_padding
    return padded_width, padded_height


def calc_hd_transform_size(width, height, hd_num=16):
    transposed = False
    if width < height:
        width, height = height, width
        transposed = True

    ratio = width / height
    scale = 1
    while scale * np.ceil(scale / ratio) <= hd_num:
        scale += 1
    scale -= 1

    new_width = int(scale * 336)
    new_height = int(new_width / ratio)

    padded_width, padded_height = calc_padded_size(new_width, new_height)

    if transposed:
        padded_width, padded_height = padded_height, padded_width

    return padded_width, padded_height


def calc_num_image_tokens_from_image_size(num_crops, width, height):  # a method there: self.num_crops
    new_width, new_height = calc_hd_transform_size(width, height, hd_num=num_crops)
    num_img_tokens = int((new_height // 336 * new_width // 336 + 1) * 144 + 1 + (new_height // 336 + 1) * 12)
    return num_img_tokens
# --- end of the Hub code ------------------------------------------------------------------------------------------


def phi4_processor():
    """Phi4MultimodalImageProcessor's methods, run on a blank image; returns (w, h, dynamic_hd) → its outputs."""
    import torch

    class TvF:  # torchvision.transforms.v2.functional: the output's shape only
        @staticmethod
        def resize(image, size):
            return torch.zeros((image.shape[0], *size), dtype=image.dtype)

        @staticmethod
        def pad(image, padding, fill=None):
            left, top, right, bottom = padding
            return torch.zeros((image.shape[0], image.shape[1] + top + bottom, image.shape[2] + left + right),
                               dtype=image.dtype)

    class SizeDict:
        def __init__(self, height, width):
            self.height, self.width = height, width

    scope = {"math": math, "torch": torch, "tvF": TvF, "SizeDict": SizeDict, "TensorType": str,
             "BatchFeature": lambda data, tensor_type=None: data}
    names = ["find_closest_aspect_ratio", "dynamic_preprocess", "pad_to_max_num_crops", "pad_mask_to_max_num_crops",
             "_preprocess"]
    for code in _functions("phi4_multimodal/image_processing_phi4_multimodal.py", names).values():
        exec(code, scope)

    class Processor:
        find_closest_aspect_ratio = scope["find_closest_aspect_ratio"]
        dynamic_preprocess = scope["dynamic_preprocess"]
        pad_to_max_num_crops = scope["pad_to_max_num_crops"]
        pad_mask_to_max_num_crops = scope["pad_mask_to_max_num_crops"]
        _preprocess = scope["_preprocess"]

        def rescale_and_normalize(self, image, *args):
            return image

        def resize(self, image, size, resample=None, antialias=None):
            return torch.zeros((image.shape[0], size.height, size.width), dtype=image.dtype)

    def run(w, h, dynamic_hd):
        data = Processor()._preprocess(
            [torch.zeros((3, h, w), dtype=torch.uint8)], do_resize=True, size=SizeDict(448, 448), resample=None,
            do_rescale=True, rescale_factor=1 / 255, do_normalize=True, image_mean=None, image_std=None,
            patch_size=14, dynamic_hd=dynamic_hd, return_tensors=None)
        height, width = (int(x) for x in data["image_sizes"][0])
        return {"resizedWidth": width, "resizedHeight": height, "crops": int(data["image_pixel_values"].shape[1]),
                "tokens": int(data["num_img_tokens"][0])}

    return run


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

    phi4 = phi4_processor()
    out = {"transformers": transformers.__version__, "qwen2_vl": [], "idefics3": [], "phi3_v": [],
           "phi4_multimodal": []}
    for w, h in SIZES:
        rh, rw = scope["smart_resize"](h, w, factor=28)
        patches = (rh // 14) * (rw // 14)
        row = {"width": w, "height": h, "resizedWidth": rw, "resizedHeight": rh}
        out["qwen2_vl"].append({**row, "patches": patches, "tokens": patches // 4})
        tiles, rows, cols = scope["get_number_of_image_patches"](Defaults(), h, w, {})
        out["idefics3"].append({"width": w, "height": h, "tiles": tiles, "rows": rows, "cols": cols})
        for num_crops in (4, 16):
            pw, ph = calc_hd_transform_size(w, h, hd_num=num_crops)
            out["phi3_v"].append({
                "width": w, "height": h, "numCrops": num_crops, "resizedWidth": int(pw), "resizedHeight": int(ph),
                "tokens": calc_num_image_tokens_from_image_size(num_crops, w, h),
            })
    # Phi-4-multimodal past dynamic_hd crops (the closest-aspect-ratio grid, and its tie rule for squares) as well.
    for w, h in SIZES + PHI4_MORE_SIZES:
        for dynamic_hd in (36, 16, 4):
            out["phi4_multimodal"].append({"width": w, "height": h, "dynamicHd": dynamic_hd, **phi4(w, h, dynamic_hd)})
    return out


def test_fixture_matches_transformers():
    expected = json.loads(FIXTURE.read_text())
    got = compute()
    assert got["qwen2_vl"] == expected["qwen2_vl"]
    assert got["idefics3"] == expected["idefics3"]
    assert got["phi3_v"] == expected["phi3_v"]
    assert got["phi4_multimodal"] == expected["phi4_multimodal"]


if __name__ == "__main__" and "--write" in sys.argv:
    FIXTURE.write_text(json.dumps(compute(), indent=2) + "\n")
