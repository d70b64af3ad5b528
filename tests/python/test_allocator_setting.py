"""Expandable allocator segments (plan training.expandableSegments, issue 15 §3) reach PyTorch as the estimate assumes.

PyTorch parses PYTORCH_ALLOC_CONF (or the older PYTORCH_CUDA_ALLOC_CONF) once, when its allocator config is first
built; torch 2.13's CPU build parses it too (c10/core/AllocatorConfig.cpp AcceleratorAllocatorConfig) and answers
torch._C._accelerator_getAllocatorSettings(), so the setting can be checked here without a GPU:
- the TRL script sets it before `import torch` (the script's own lines, run in a fresh interpreter), keeping any
  other option the user's environment already had;
- the frameworks' launch lines (LLaMA-Factory, axolotl, torchtune) carry it as environment assignments, both ways,
  because those launchers change PyTorch's default (shared/exporters/header.ts allocatorEnv cites where).
Also here: training.samplingStrategy group_by_length reaches the TRL script's trainer as LengthGroupedSampler.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import export, make_plan, run_script

SETTINGS = "import torch; print(torch._C._accelerator_getAllocatorSettings())"


def settings_after(prelude: str, env: dict[str, str]) -> str:
    """What PyTorch parsed, in a fresh interpreter that runs `prelude` (the script's lines before torch) first."""
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTORCH_ALLOC_CONF", "PYTORCH_CUDA_ALLOC_CONF")}
    r = subprocess.run(
        [sys.executable, "-c", prelude + "\n" + SETTINGS],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    return r.stdout.strip().splitlines()[-1] if r.stdout.strip() else ""


def before_torch(script: Path) -> str:
    """The lines of an exported train.py up to (not including) `import torch`, without its docstring."""
    text = script.read_text()
    head = text.split("\nimport torch\n", 1)[0]
    return re.sub(r'^(#.*\n)*"""[\s\S]*?"""\n', "", head)


def test_the_trl_script_sets_expandable_segments_before_torch_and_still_trains(tiny_model, dataset, tmp_path):
    plan = make_plan("llama", [{"kind": "lora", "rank": 4, "alpha": 8}], expandableSegments=True)
    folder = export(plan, "hf", tmp_path / "on")
    prelude = before_torch(folder / "train.py")
    assert "expandable_segments:True" in prelude
    assert settings_after(prelude, {}) == "expandable_segments:True"
    # The user's other allocator options stay; an expandable_segments value of theirs is replaced by the plan's.
    kept = settings_after(prelude, {"PYTORCH_ALLOC_CONF": "max_split_size_mb:64,expandable_segments:False"})
    assert kept == "max_split_size_mb:64,expandable_segments:True"
    old_name = settings_after(prelude, {"PYTORCH_CUDA_ALLOC_CONF": "roundup_power2_divisions:[256:4,>:1]"})
    assert old_name == "roundup_power2_divisions:[256:4,>:1],expandable_segments:True"
    out = tmp_path / "out"
    run_script(
        folder / "train.py",
        ["--model", str(tiny_model("llama")), "--data", str(dataset["text"]), "--output", str(out), "--max-steps", "1"],
    )
    assert (out / "adapter_config.json").is_file()


def test_without_the_switch_the_trl_script_turns_expandable_segments_off_even_if_the_environment_has_them(tmp_path):
    folder = export(make_plan("llama", [{"kind": "lora", "rank": 4}]), "hf", tmp_path / "off")
    prelude = before_torch(folder / "train.py")
    assert settings_after(prelude, {}) == "expandable_segments:False"
    turned_on = {"PYTORCH_CUDA_ALLOC_CONF": "expandable_segments:True,max_split_size_mb:64"}
    assert settings_after(prelude, turned_on) == "max_split_size_mb:64,expandable_segments:False"


def test_the_trl_script_groups_batches_by_length_and_still_trains(tiny_model, dataset, tmp_path, monkeypatch):
    """training.samplingStrategy group_by_length: transformers 5.24 TrainingArguments train_sampling_strategy
    (training_args.py line 1380) picks LengthGroupedSampler in Trainer._get_train_sampler (trainer.py line 1088)."""
    import transformers.trainer

    built = []

    class Recording(transformers.trainer.LengthGroupedSampler):
        def __init__(self, *args, **kwargs):
            built.append(kwargs.get("lengths"))
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(transformers.trainer, "LengthGroupedSampler", Recording)
    plan = make_plan("llama", [{"kind": "lora", "rank": 4, "alpha": 8}], samplingStrategy="group_by_length")
    folder = export(plan, "hf", tmp_path / "grouped")
    script = (folder / "train.py").read_text()
    assert 'train_sampling_strategy="group_by_length"' in script
    out = tmp_path / "out"
    run_script(
        folder / "train.py",
        ["--model", str(tiny_model("llama")), "--data", str(dataset["text"]), "--output", str(out), "--max-steps", "1"],
    )
    assert (out / "adapter_config.json").is_file()
    assert len(built) == 1  # the training run sampled through LengthGroupedSampler
    random_script = (export(make_plan("llama", [{"kind": "lora", "rank": 4}]), "hf", tmp_path / "random") / "train.py")
    assert "train_sampling_strategy" not in random_script.read_text()


def launch_env(readme: str, command: str) -> dict[str, str]:
    """The environment assignments in front of `command` on the README's launch line."""
    line = next(ln for ln in readme.splitlines() if command in ln)
    env: dict[str, str] = {}
    for word in shlex.split(line):
        if "=" not in word or word.startswith("-"):
            break
        name, value = word.split("=", 1)
        env[name] = value
    return env


@pytest.mark.parametrize(
    "fmt,command",
    [("llama-factory", "llamafactory-cli train"), ("axolotl", "axolotl train"), ("torchtune", "tune run")],
)
@pytest.mark.parametrize("on", [True, False])
def test_framework_launch_lines_carry_the_plan_s_setting(fmt, command, on, tmp_path):
    plan = {
        **make_plan("llama", [{"kind": "lora", "rank": 4}], expandableSegments=on),
        "model": {"source": "catalog", "id": "Llama-3.2-1B"},
    }
    folder = export(plan, fmt, tmp_path / fmt)
    env = launch_env((folder / "README.md").read_text(), command)
    want = f"expandable_segments:{on}"
    assert env.get("PYTORCH_ALLOC_CONF") == want and env.get("PYTORCH_CUDA_ALLOC_CONF") == want, env
    assert settings_after("", env) == want
