"""Every CPU-runnable `--format hf` export trains 2 optimizer steps on a tiny random model and saves what its
README says it saves.

Combinations multiply (13 techniques x 7 architecture families x precisions x data formats), so the matrix is:
every technique once on Llama, every family once with LoRA, and a fixed-seed sample of the rest, all in this one
pytest process (each train.py runs through runpy, as `python train.py` would, without a new interpreter).
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from conftest import FAMILIES, export, make_plan, run_script, tiny_config

# shared/domain/plan.ts TECHNIQUE_KINDS
TECHNIQUES = [
    "full",
    "lora",
    "qlora",
    "dora",
    "ia3",
    "prompt_tuning",
    "prefix_tuning",
    "p_tuning",
    "vera",
    "loha",
    "lora_fa",
    "ln_tuning",
    "adaption_prompt",
]
# Small enough for the tiny model (hidden 32): rank 4, 4 virtual tokens.
TECHNIQUE_ARGS = {"rank": 4, "alpha": 8, "virtualTokens": 4}
# shared/domain/peft-support.ts PEFT_MODEL_TYPES: the exporter refuses these pairs (checked against PEFT below).
# LN tuning is not here: where PEFT has no default targets the export names the norms (lnTuningTargets).
PEFT_ONLY_ON = {"adaption_prompt": {"llama", "mistral"}}

def supported(technique: str, family: str) -> bool:
    return family in PEFT_ONLY_ON.get(technique, set(FAMILIES))


def matrix() -> list[tuple[str, str, str, str]]:
    """(technique, family, precision, data format) cases: each technique, each family, then a seeded sample."""
    cases = [(t, "llama", "pure_bf16", "text") for t in TECHNIQUES]
    cases += [("lora", f, "pure_bf16", "text") for f in FAMILIES if f != "llama"]
    rest = [
        (t, f, p, d)
        for t in TECHNIQUES
        for f in FAMILIES
        for p in ("pure_bf16", "mixed", "fp32")
        for d in ("text", "messages")
        if supported(t, f) and (t, f, p, d) not in cases
    ]
    cases += random.Random(20261201).sample(rest, 10)
    return cases


# Export defects this tier found, each fixed at its cause in shared/exporters/training.ts (issue 18) — the strict
# xfail marks they carried are gone: Mixtral's fused experts get lora_dropout=0 (PEFT's lora.ParamWrapper refuses
# dropout), PhiMoE gets its nn.Linear names instead of "all-linear" (which wrapped the tuple-returning router), and
# adaption prompt trains with the model's own loss (TRL 1.16's fused LM head asks for outputs PEFT's
# AdaptionPromptModel does not return). A defect found later goes here with a strict xfail until fixed.
KNOWN_DEFECTS: dict[tuple[str, str], str] = {}


def case_param(case: tuple[str, str, str, str]):
    reason = KNOWN_DEFECTS.get(case[:2])
    marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
    return pytest.param(*case, marks=marks, id="-".join(case))


CASES = [case_param(c) for c in matrix()]


def readme_saves(readme: str) -> list[str]:
    """The file names the export's README says train.py saves (the line "`train.py` saves to ...: `a`, `b`")."""
    line = next((l for l in readme.splitlines() if l.startswith("`train.py` saves")), None)
    assert line, f"README does not say what train.py saves:\n{readme}"
    names = re.findall(r"`([^`]+)`", line.split(":", 1)[1])
    return [n for n in names if n != "checkpoint-N"]


@pytest.mark.parametrize("technique,family,precision,data", CASES)
def test_export_trains_two_steps_and_saves(technique, family, precision, data, tiny_model, dataset, tmp_path):
    plan = make_plan(family, [{"kind": technique, **TECHNIQUE_ARGS}], precision=precision)
    folder = export(plan, "hf", tmp_path / "export")
    script = folder / "train.py"
    assert script.exists(), f"no train.py: {sorted(p.name for p in folder.iterdir())}"
    out = tmp_path / "out"
    run_script(
        script,
        ["--model", str(tiny_model(family)), "--data", str(dataset[data]), "--output", str(out), "--max-steps", "2"],
    )
    for name in readme_saves((folder / "README.md").read_text()):
        assert (out / name).is_file(), f"{name} missing from {sorted(p.name for p in out.iterdir())}"
    # Trainer writes trainer_state.json into each checkpoint: it records the optimizer steps taken.
    import json

    states = sorted(out.glob("checkpoint-*/trainer_state.json"))
    assert states, f"no checkpoint saved in {sorted(p.name for p in out.iterdir())}"
    assert json.loads(states[-1].read_text())["global_step"] == 2


def test_chunked_loss_falls_back_to_the_standard_loss_without_a_gpu(tiny_model, dataset, tmp_path, capfd):
    plan = make_plan("llama", [{"kind": "lora", **TECHNIQUE_ARGS}], lossKernel="chunked")
    folder = export(plan, "hf", tmp_path / "export")
    out = tmp_path / "out"
    run_script(
        folder / "train.py",
        ["--model", str(tiny_model("llama")), "--data", str(dataset["text"]), "--output", str(out), "--max-steps", "2"],
    )
    assert "using the standard loss" in capfd.readouterr().out
    assert (out / "adapter_model.safetensors").is_file()


def test_environment_variables_set_the_defaults(tiny_model, dataset, tmp_path, monkeypatch):
    folder = export(make_plan("qwen2", [{"kind": "ia3"}]), "hf", tmp_path / "export")
    out = tmp_path / "env-out"
    monkeypatch.setenv("MODEL_ID", str(tiny_model("qwen2")))
    monkeypatch.setenv("DATA_FILE", str(dataset["text"]))
    monkeypatch.setenv("OUTPUT_DIR", str(out))
    monkeypatch.setenv("MAX_STEPS", "1")
    run_script(folder / "train.py", [])
    assert (out / "adapter_config.json").is_file()


@pytest.mark.parametrize("technique", sorted(PEFT_ONLY_ON))
def test_refusals_match_what_peft_supports(technique, tiny_model, tmp_path):
    """The exporter refuses exactly the families where PEFT itself raises, with a message naming both."""
    from peft import AdaptionPromptConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    for family in FAMILIES:
        folder = export(make_plan(family, [{"kind": technique, **TECHNIQUE_ARGS}]), "hf", tmp_path / family)
        refused = (folder / "train-NOT-SUPPORTED.md").exists()
        model = AutoModelForCausalLM.from_config(tiny_config(family))
        config = AdaptionPromptConfig(adapter_len=4, adapter_layers=1, task_type="CAUSAL_LM")
        try:
            get_peft_model(model, config)
            peft_accepts = True
        except (ValueError, KeyError):
            peft_accepts = False
        assert refused == (not peft_accepts), f"{technique} on {family}: refused={refused}, PEFT accepts={peft_accepts}"
        if refused:
            text = (folder / "train-NOT-SUPPORTED.md").read_text()
            assert f'model_type "{family}"' in text and "llama" in text
            assert not (folder / "train.py").exists()


def test_ln_tuning_names_the_norms_where_peft_has_no_default(tiny_model, dataset, tmp_path):
    """peft 0.21.2 LNTuningConfig() raises "Please specify `target_modules`" for model types missing from
    peft/utils/constants.py TRANSFORMERS_MODELS_TO_LNTUNING_TARGET_MODULES_MAPPING; the export names the norms the
    estimate counts (shared/estimate/techniques.ts lnTuningTargets), so every family trains."""
    from peft import LNTuningConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    for family in FAMILIES:
        try:
            get_peft_model(AutoModelForCausalLM.from_config(tiny_config(family)), LNTuningConfig(task_type="CAUSAL_LM"))
            continue  # PEFT has a default for this family
        except ValueError as e:
            assert "target_modules" in str(e)
        folder = export(make_plan(family, [{"kind": "ln_tuning"}]), "hf", tmp_path / family)
        assert "LNTuningConfig(target_modules=[" in (folder / "train.py").read_text()
        out = tmp_path / f"out-{family}"
        run_script(
            folder / "train.py",
            [
                "--model",
                str(tiny_model(family)),
                "--data",
                str(dataset["text"]),
                "--output",
                str(out),
                "--max-steps",
                "1",
            ],
        )
        assert (out / "adapter_model.safetensors").is_file()


def test_packing_trains_rows_of_max_length_without_padding_free(tiny_model, dataset, tmp_path, monkeypatch):
    """The estimate sizes packed rows of max_length tokens, causal, with no mask. TRL's default 'bfd' packing is
    padding-free (sft_trainer.py: `padding_free = args.padding_free or (packing and strategy in {"bfd", ...})`), and
    with SDPA transformers then builds a block-diagonal mask over the whole micro-batch; the export writes 'wrapped'."""
    from trl import SFTTrainer

    plan = make_plan("llama", [{"kind": "lora", **TECHNIQUE_ARGS}], packing=True)
    folder = export(plan, "hf", tmp_path / "export")
    assert 'packing_strategy="wrapped"' in (folder / "train.py").read_text()
    seen = {}
    original = SFTTrainer.__init__

    def spy(self, *args, **kwargs):
        original(self, *args, **kwargs)
        seen["padding_free"] = self.padding_free
        seen["strategy"] = self.args.packing_strategy

    monkeypatch.setattr(SFTTrainer, "__init__", spy)
    out = tmp_path / "out"
    run_script(
        folder / "train.py",
        ["--model", str(tiny_model("llama")), "--data", str(dataset["text"]), "--output", str(out), "--max-steps", "2"],
    )
    assert seen == {"padding_free": False, "strategy": "wrapped"}, seen
