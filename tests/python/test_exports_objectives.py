"""Every objective's `--format hf` export (issue 19) trains with TRL 1.16's own trainer on a tiny random Llama on the
CPU, from a tiny dataset in the format that trainer reads (TRL docs, "Dataset formats and types": prompt/chosen/
rejected for DPO, IPO, ORPO, SimPO and the reward model; prompt/completion/label for KTO; prompt for GRPO).

GRPO with vLLM cannot run here (vLLM is not installed, and must not be): those exports are validated by building
GRPOConfig from the very keyword arguments train.py passes it, which runs TRL's own checks (GRPOConfig.__post_init__).
"""

from __future__ import annotations

import ast
import json
import os
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from conftest import WORDS, export, make_plan, run_script

TECH = {"rank": 4, "alpha": 8, "virtualTokens": 4}


def objective_plan(technique: str, objective: dict, **training) -> dict:
    plan = make_plan("llama", [{"kind": technique, **TECH}], **training)
    plan["schemaVersion"] = 4
    plan["objective"] = objective
    return plan


def words(i: int, n: int, step: int = 1) -> str:
    return " ".join(WORDS[(step * i + j) % len(WORDS)] for j in range(n))


@pytest.fixture(scope="session")
def objective_data(tmp_path_factory) -> dict[str, Path]:
    """format -> a JSON Lines file of 8 conversational rows in TRL's format (the tiny tokenizer has a chat template)."""
    folder = tmp_path_factory.mktemp("objective-data")
    user = lambda s: [{"role": "user", "content": s}]  # noqa: E731
    assistant = lambda s: [{"role": "assistant", "content": s}]  # noqa: E731
    rows = {
        "preference": [
            {"prompt": user(words(i, 4)), "chosen": assistant(words(i, 5, 3)), "rejected": assistant(words(i, 3, 7))}
            for i in range(8)
        ],
        # KTO wants desirable and undesirable examples: alternate the label.
        "unpaired_preference": [
            {"prompt": user(words(i, 4)), "completion": assistant(words(i, 5, 3)), "label": i % 2 == 0}
            for i in range(8)
        ],
        "prompt_only": [{"prompt": user(words(i, 4))} for i in range(8)],
    }
    files = {}
    for name, lines in rows.items():
        path = folder / f"{name}.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in lines))
        files[name] = path
    return files


DATA = {
    "dpo": "preference",
    "ipo": "preference",
    "orpo": "preference",
    "simpo": "preference",
    "reward": "preference",
    "kto": "unpaired_preference",
    "grpo": "prompt_only",
}

# (technique, objective): each trainer once with LoRA and once with full fine-tuning, each reference source of DPO and
# KTO, GRPO with and without a reference model, and a prompt-learning technique under a preference trainer. GRPO
# generates with transformers (vLLM is GPU-only); 2 generations of 8 tokens keep it fast.
GRPO = {"kind": "grpo", "numGenerations": 2, "completionTokens": 8, "promptTokens": 16, "generation": "transformers"}
CASES = [
    ("lora", {"kind": "dpo", "reference": "copy"}),
    ("full", {"kind": "dpo", "reference": "precomputed"}),
    ("lora", {"kind": "ipo", "reference": "peft_base", "beta": 0.5}),
    ("prompt_tuning", {"kind": "dpo", "reference": "peft_base"}),
    ("lora", {"kind": "kto", "reference": "precomputed"}),
    ("full", {"kind": "kto", "reference": "copy"}),
    ("lora", {"kind": "orpo"}),
    ("full", {"kind": "simpo"}),
    ("lora", {"kind": "reward"}),
    ("full", {"kind": "reward"}),
    ("lora", {**GRPO, "beta": 0.0}),
    ("full", {**GRPO, "beta": 0.04}),
]


def case_id(case) -> str:
    technique, objective = case
    return "-".join([objective["kind"], technique, str(objective.get("reference", objective.get("beta", "")))])


def readme_saves(readme: str) -> list[str]:
    line = next(l for l in readme.splitlines() if l.startswith("`train.py` saves"))
    return [n for n in re.findall(r"`([^`]+)`", line.split(":", 1)[1]) if n != "checkpoint-N"]


@pytest.mark.parametrize("technique,objective", CASES, ids=[case_id(c) for c in CASES])
def test_objective_export_trains_two_steps(technique, objective, tiny_model, objective_data, tmp_path):
    folder = export(objective_plan(technique, objective), "hf", tmp_path / "export")
    script = folder / "train.py"
    assert script.exists(), sorted(p.name for p in folder.iterdir())
    # The stub data/train.jsonl is in the trainer's format: the same keys as the test data.
    stub = json.loads((folder / "data" / "train.jsonl").read_text().splitlines()[0])
    test_row = json.loads(objective_data[DATA[objective["kind"]]].read_text().splitlines()[0])
    assert set(stub) == set(test_row)
    out = tmp_path / "out"
    data = objective_data[DATA[objective["kind"]]]
    run_script(
        script, ["--model", str(tiny_model("llama")), "--data", str(data), "--output", str(out), "--max-steps", "2"]
    )
    for name in readme_saves((folder / "README.md").read_text()):
        assert (out / name).is_file(), f"{name} missing from {sorted(p.name for p in out.iterdir())}"
    states = sorted(out.glob("checkpoint-*/trainer_state.json"))
    assert states and json.loads(states[-1].read_text())["global_step"] == 2
    if objective["kind"] == "reward" and technique == "full":
        config = json.loads((out / "config.json").read_text())
        # transformers 5 saves num_labels as its id2label map (PretrainedConfig.to_dict).
        assert config["architectures"] == ["LlamaForSequenceClassification"] and len(config["id2label"]) == 1


def config_kwargs(script: Path, config_class: str, output: Path) -> dict:
    """The keyword arguments train.py passes to `config_class(...)`, each evaluated as the script would evaluate it
    (cli.* from the default arguments, os and torch as imported there)."""
    import torch

    tree = ast.parse(script.read_text())
    call = next(
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == config_class
    )
    scope = {"os": os, "torch": torch, "cli": SimpleNamespace(output=str(output), max_steps=-1, eval_fraction=0.0)}
    return {kw.arg: eval(compile(ast.Expression(kw.value), str(script), "eval"), scope) for kw in call.keywords}


VLLM_CASES = [
    ({"generation": "vllm_colocate", "vllmGpuMemoryUtilization": 0.25, "vllmSleepMode": True}, "colocate"),
    ({"generation": "vllm_colocate", "vllmTensorParallel": 2}, "colocate"),
    ({"generation": "vllm_server", "vllmServerGpus": 2}, "server"),
]


@pytest.mark.parametrize("generation,mode", VLLM_CASES, ids=["colocate-sleep", "colocate-tp2", "server"])
def test_grpo_vllm_exports_pass_grpo_config(generation, mode, tmp_path):
    """GRPOConfig (trl/trainer/grpo_config.py) accepts exactly the exported arguments, which carry the plan's vLLM
    settings and batch; TRL's generation-batch rule (divisible by num_generations) holds."""
    from trl import GRPOConfig

    objective = {"kind": "grpo", "numGenerations": 4, "completionTokens": 64, "beta": 0.02, **generation}
    # vllm_tensor_parallel_size must divide the GPUs (trl/generation/vllm_generation.py): plan 2 GPUs for TP 2.
    plan = objective_plan("lora", objective, microBatch=2, gradAccum=2)
    plan["distribution"] = {"gpusPerNode": objective.get("vllmTensorParallel", 1)}
    folder = export(plan, "hf", tmp_path / "export")
    kwargs = config_kwargs(folder / "train.py", "GRPOConfig", tmp_path / "out")
    config = GRPOConfig(**kwargs)
    assert config.use_vllm and config.vllm_mode == mode
    assert config.num_generations == 4 and config.max_completion_length == 64 and config.beta == 0.02
    assert config.per_device_train_batch_size == 2 and config.gradient_accumulation_steps == 2
    assert config.generation_batch_size % config.num_generations == 0
    if mode == "colocate":
        assert config.vllm_gpu_memory_utilization == objective.get("vllmGpuMemoryUtilization", 0.3)
        assert config.vllm_enable_sleep_mode == objective.get("vllmSleepMode", False)
        assert config.vllm_tensor_parallel_size == objective.get("vllmTensorParallel", 1)
    else:
        readme = (folder / "README.md").read_text()
        assert "trl vllm-serve --model" in readme
        # The server command's flags are ones trl/scripts/vllm_serve.py's ScriptArguments has.
        from trl.scripts.vllm_serve import ScriptArguments

        line = next(l for l in readme.splitlines() if "trl vllm-serve" in l and "--model" in l)
        fields = set(ScriptArguments.__dataclass_fields__)
        for flag in re.findall(r"--([a-z-]+)", line):
            assert flag.replace("-", "_") in fields, flag
    # The requirement pulls vLLM through TRL's own extra (the versions TRL 1.16 supports).
    assert "trl[vllm]" in (folder / "requirements.txt").read_text()
