"""FSDP with gradient accumulation: the exports ask accelerate to reduce the gradients every micro-batch.

The estimate counts FSDP's gradients sharded in every micro-batch and a reduce-scatter per micro-batch. transformers'
Trainer instead runs the accumulation's other micro-batches under `accelerator.no_sync` unless
`gradient_accumulation_kwargs={"sync_each_batch": True}` (trainer.py, the training loop's sync_context), and under
no_sync FSDP keeps the full unsharded gradients until the last one. FSDP itself needs GPUs; what runs here is the
path the exported setting takes: the TRL script's TrainingArguments and LLaMA-Factory's YAML (parsed by
HfArgumentParser, as LLaMA-Factory does) become the Trainer's accelerate GradientAccumulationPlugin.
"""

from __future__ import annotations

import ast

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")
yaml = pytest.importorskip("yaml")

from conftest import export, make_plan  # noqa: E402
from tuneplan_cli import node  # noqa: E402

if node() is None:
    pytest.skip("node is not on PATH (needed to run build/bin/tuneplan.mjs)", allow_module_level=True)


def fsdp_plan(grad_accum: int) -> dict:
    plan = make_plan("llama", [{"kind": "full"}], gradAccum=grad_accum)
    plan["distribution"] = {"strategy": "fsdp_full", "gpusPerNode": 2}
    return plan


def trainer_plugin_kwargs(tmp_path, tiny_model, accelerator_config) -> dict:
    from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

    args = TrainingArguments(
        output_dir=str(tmp_path / "run"),
        use_cpu=True,
        gradient_accumulation_steps=4,
        report_to="none",
        **({"accelerator_config": accelerator_config} if accelerator_config is not None else {}),
    )
    trainer = Trainer(model=AutoModelForCausalLM.from_pretrained(tiny_model("llama")), args=args)
    return dict(trainer.accelerator.gradient_state.plugin_kwargs)


def test_the_trl_script_makes_the_trainer_sync_each_batch(tmp_path, tiny_model) -> None:
    script = (export(fsdp_plan(4), "deepspeed", tmp_path / "fsdp") / "train.py").read_text()
    line = next(l for l in script.splitlines() if l.strip().startswith("accelerator_config="))
    value = ast.literal_eval(line.strip()[len("accelerator_config=") :].rstrip(","))
    assert trainer_plugin_kwargs(tmp_path, tiny_model, value).get("sync_each_batch") is True
    # Without it the Trainer would reduce once per step (the default, False): the switch is what changes it.
    assert not trainer_plugin_kwargs(tmp_path, tiny_model, None).get("sync_each_batch", False)
    # One micro-batch per step has nothing to accumulate: nothing written.
    plain = (export(fsdp_plan(1), "deepspeed", tmp_path / "one") / "train.py").read_text()
    assert "accelerator_config" not in plain


def test_llama_factory_yaml_reaches_the_trainer(tmp_path, tiny_model) -> None:
    from transformers import HfArgumentParser, TrainingArguments

    folder = export(fsdp_plan(4), "llama-factory", tmp_path / "lf")
    cfg = yaml.safe_load((folder / "llamafactory_config.yaml").read_text())
    (args,) = HfArgumentParser(TrainingArguments).parse_dict(
        {"output_dir": str(tmp_path / "run"), "use_cpu": True, "accelerator_config": cfg["accelerator_config"]}
    )
    assert args.accelerator_config.gradient_accumulation_kwargs == {"sync_each_batch": True}
    assert cfg["gradient_accumulation_steps"] == 4
