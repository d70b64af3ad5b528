"""Every family Tuneplan reads from config.json trains from its export (issue 12 item 3, extended by issue 16).

conftest.FAMILIES covers the families with hand-written tiny specs; this file takes every other family from the
scaled-down config.json files the real classes wrote (tests/fixtures/configs/saved/transformers-*/<family>-tiny.json,
made by fixtures_gen/save_configs.py), reads each with Tuneplan's own reader (`tuneplan model --json`, the path a
user's config.json import takes), exports a LoRA plan for it and trains it 2 steps on the CPU with the real
transformers/TRL/PEFT. Whatever the export says the script saves must be there.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import CLI, FAMILIES, ROOT, export, run_script, save_tokenizer

SAVED = sorted((ROOT / "tests" / "fixtures" / "configs" / "saved").glob("transformers-*/*-tiny.json"))
# The spec fields of `tuneplan model --json` (the rest are its report: counts, warnings, techniques).
REPORT_KEYS = {"totalParams", "activeParams", "experts", "vision", "mtpParams", "approximatedFrom", "warnings"}
REPORT_KEYS |= {"trainable", "techniques"}
OTHER_FAMILIES = [p for p in SAVED if p.name.removesuffix("-tiny.json") not in FAMILIES]


def read_spec(config: Path) -> dict:
    r = subprocess.run(
        ["node", str(CLI), "model", str(config), "--json"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert r.returncode == 0, f"tuneplan model {config.name} failed:\n{r.stderr}"
    return {k: v for k, v in json.loads(r.stdout).items() if k not in REPORT_KEYS}


@pytest.mark.parametrize("config", OTHER_FAMILIES, ids=[p.name.removesuffix("-tiny.json") for p in OTHER_FAMILIES])
def test_lora_export_trains_on_every_config_family(config: Path, dataset, tmp_path) -> None:
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    model_dir = tmp_path / "model"
    model_dir.mkdir()
    shutil.copy(config, model_dir / "config.json")
    torch.manual_seed(0)
    AutoModelForCausalLM.from_config(AutoConfig.from_pretrained(model_dir)).save_pretrained(model_dir)
    save_tokenizer(model_dir)

    plan = {
        "name": f"pytest {config.name}",
        "model": {"source": "custom", "spec": read_spec(config)},
        "techniques": [{"kind": "lora", "rank": 4, "alpha": 8, "dropout": 0}],
        "training": {"microBatch": 2, "seqLen": 32, "epochs": 1, "optimizer": "adamw"},
    }
    folder = export(plan, "hf", tmp_path / "export")
    script = folder / "train.py"
    assert script.exists(), f"no train.py: {sorted(p.name for p in folder.iterdir())}"
    out = tmp_path / "out"
    args = ["--model", str(model_dir), "--data", str(dataset["text"]), "--output", str(out), "--max-steps", "2"]
    run_script(script, args)
    states = sorted(out.glob("checkpoint-*/trainer_state.json"))
    assert states, f"no checkpoint saved in {sorted(p.name for p in out.iterdir())}"
    assert json.loads(states[-1].read_text())["global_step"] == 2
    assert (out / "adapter_config.json").is_file(), sorted(p.name for p in out.iterdir())
