"""The optimizer implementations the explanation names (shared/estimate/optimizer-impl.ts, issue 20) are the ones
transformers really builds: each plan optimizer's `optim` string (PLAN_TO_HF_OPTIM in shared/import/configs/facts.ts)
goes through the real Trainer.get_optimizer_cls_and_kwargs, and torch's default foreach/fused choice is read from
torch.optim.optimizer._default_to_fused_or_foreach. Nothing is trained; no GPU is needed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

ROOT = Path(__file__).resolve().parents[2]


def plan_to_hf_optim() -> dict[str, str]:
    text = (ROOT / "shared/import/configs/facts.ts").read_text()
    block = re.search(r"PLAN_TO_HF_OPTIM[^{]*\{(.*?)\};", text, re.S)
    assert block, "PLAN_TO_HF_OPTIM not found in shared/import/configs/facts.ts"
    return dict(re.findall(r"(\w+):\s*'([\w-]+)'", block.group(1)))


# What shared/estimate/optimizer-impl.ts says each plan optimizer selects: (class module.name, kwargs it must carry).
EXPECTED = {
    "adamw": ("torch.optim.adamw.AdamW", {}, ["fused"]),
    "adamw_torch_fused": ("torch.optim.adamw.AdamW", {"fused": True}, []),
    "adamw_8bit": ("bitsandbytes.optim.adamw.AdamW", {"optim_bits": 8, "is_paged": False}, []),
    "paged_adamw": ("bitsandbytes.optim.adamw.AdamW", {"optim_bits": 32, "is_paged": True}, []),
    "paged_adamw_8bit": ("bitsandbytes.optim.adamw.AdamW", {"optim_bits": 8, "is_paged": True}, []),
    "adafactor": (
        "transformers.optimization.Adafactor",
        {"scale_parameter": False, "relative_step": False},
        [],
    ),
    "sgd_momentum": ("torch.optim.sgd.SGD", {"momentum": 0.9}, ["fused", "foreach"]),
    "lion": ("bitsandbytes.optim.lion.Lion", {"optim_bits": 32, "is_paged": False}, []),
}


def test_the_table_covers_every_plan_optimizer():
    assert set(plan_to_hf_optim()) == set(EXPECTED)


@pytest.mark.parametrize("plan_optimizer", sorted(EXPECTED))
def test_transformers_selects_the_named_implementation(plan_optimizer, tmp_path):
    if "bitsandbytes" in EXPECTED[plan_optimizer][0]:
        pytest.importorskip("bitsandbytes")
    hf = plan_to_hf_optim()[plan_optimizer]
    # The export passes SGD's momentum as optim_args (shared/exporters/training.ts).
    extra = {"optim_args": "momentum=0.9"} if hf == "sgd" else {}
    args = transformers.TrainingArguments(output_dir=str(tmp_path), optim=hf, report_to=[], **extra)
    cls, kwargs = transformers.Trainer.get_optimizer_cls_and_kwargs(args)
    name, present, absent = EXPECTED[plan_optimizer]
    assert f"{cls.__module__}.{cls.__name__}" == name
    for key, value in present.items():
        assert kwargs.get(key) == value, (key, kwargs)
    for key in absent:
        assert key not in kwargs, (key, kwargs)


def test_torch_defaults_to_foreach_only_on_foreach_devices_and_never_to_fused():
    from torch.optim.optimizer import _default_to_fused_or_foreach
    from torch.utils._foreach_utils import _get_foreach_kernels_supported_devices

    assert "cuda" in _get_foreach_kernels_supported_devices()
    assert "cpu" not in _get_foreach_kernels_supported_devices()
    cpu = [torch.zeros(4)]
    assert _default_to_fused_or_foreach(cpu, False, use_fused=False) == (False, False)
    # adam() and sgd() call it with use_fused=False: fused is never the default (torch/optim/adam.py, sgd.py).
    import inspect

    import torch.optim.adam as adam
    import torch.optim.sgd as sgd

    for module in (adam, sgd):
        assert "use_fused=False" in inspect.getsource(module)
    # The Trainer's default optim on torch >= 2.8 is the fused AdamW (training_args.py).
    assert transformers.TrainingArguments.__dataclass_fields__["optim"].default == "adamw_torch_fused"
