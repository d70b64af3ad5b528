"""Shared fixtures of the Python tier: the real `tuneplan export` CLI, tiny random models, a tiny dataset.

Nothing here downloads: every model is a scaled-down config of a real architecture saved with
save_pretrained, the tokenizer is trained locally with the `tokenizers` library, and HF_HUB_OFFLINE makes
any accidental Hub lookup fail instead of reaching the network.
"""

from __future__ import annotations

import json
import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# DeepSpeed and accelerate would otherwise look for GPUs and print warnings for each import.
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

ROOT = Path(__file__).resolve().parents[2]
CLI = ROOT / "build" / "bin" / "tuneplan.mjs"

# The model families Tuneplan's catalog and config import know (shared/catalog/hf-config.ts KNOWN_MODEL_TYPES)
# that transformers implements. phi3small is left out: it exists only as remote code on the Hub
# (trust_remote_code), which a test without network cannot load.
FAMILIES = ["llama", "mistral", "qwen2", "phi3", "gemma2", "mixtral", "phimoe"]
VOCAB = 64
HIDDEN, INTERMEDIATE, LAYERS, HEADS, KV_HEADS = 32, 64, 2, 4, 2

WORDS = (
    "the a model learns to plan fine tuning runs on small and large gpus with lora adapters memory time cost "
    "tokens batch steps every answer question user assistant says hello world data train test yes no"
).split()
SPECIAL = ["<pad>", "<s>", "</s>", "<unk>"]


def tiny_config(family: str):
    """A scaled-down config of the family's real class (2 layers, hidden 32, GQA 4:2, 4 experts for MoE)."""
    from transformers import AutoConfig

    kw = dict(
        vocab_size=VOCAB,
        hidden_size=HIDDEN,
        intermediate_size=INTERMEDIATE,
        num_hidden_layers=LAYERS,
        num_attention_heads=HEADS,
        num_key_value_heads=KV_HEADS,
        max_position_embeddings=128,
        pad_token_id=0,
        bos_token_id=1,
        eos_token_id=2,
        tie_word_embeddings=False,
    )
    if family == "gemma2":
        kw["head_dim"] = HIDDEN // HEADS
    if family in ("mixtral", "phimoe"):
        kw.update(num_local_experts=4, num_experts_per_tok=2)
    return AutoConfig.for_model(family, **kw)


def plan_spec(family: str) -> dict:
    """The plan's custom model spec for tiny_config(family), read the way shared/catalog/hf-config.ts reads it."""
    return {
        "name": f"tiny-{family}",
        "modelType": family,
        "hiddenSize": HIDDEN,
        "intermediateSize": INTERMEDIATE,
        "numLayers": LAYERS,
        "numHeads": HEADS,
        "numKvHeads": KV_HEADS,
        "headDim": HIDDEN // HEADS,
        "vocabSize": VOCAB,
        "maxPositionEmbeddings": 128,
        "tieWordEmbeddings": False,
        "linearBias": "qkv" if family == "qwen2" else "none",
        "norm": "layernorm" if family == "phimoe" else "rmsnorm",
        "normsPerLayer": 4 if family == "gemma2" else 2,
        "fusedQkv": family == "phi3",
        "fusedGateUp": family == "phi3",
        "moe": {"numExperts": 4, "topK": 2} if family in ("mixtral", "phimoe") else None,
    }


def save_tokenizer(folder: Path) -> None:
    """A word-level tokenizer over WORDS with a minimal chat template (the "messages" data format needs one)."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {w: i for i, w in enumerate(SPECIAL + WORDS)}
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token="<s>", eos_token="</s>", unk_token="<unk>", pad_token="<pad>"
    )
    fast.chat_template = (
        "{% for m in messages %}{{ m['role'] }} says {{ m['content'] }} {% endfor %}"
        "{% if add_generation_prompt %}assistant says{% endif %}"
    )
    assert len(vocab) <= VOCAB
    fast.save_pretrained(folder)


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory):
    """family -> folder holding a random tiny model of that architecture and the local tokenizer."""
    import torch
    from transformers import AutoModelForCausalLM

    made: dict[str, Path] = {}

    def get(family: str) -> Path:
        if family not in made:
            folder = tmp_path_factory.mktemp(f"model-{family}")
            torch.manual_seed(0)
            AutoModelForCausalLM.from_config(tiny_config(family)).save_pretrained(folder)
            save_tokenizer(folder)
            made[family] = folder
        return made[family]

    return get


@pytest.fixture(scope="session")
def dataset(tmp_path_factory):
    """fmt ("text" or "messages") -> a JSON Lines file in the format train.py's docstring documents."""
    folder = tmp_path_factory.mktemp("data")
    files = {}
    for fmt in ("text", "messages"):
        path = folder / f"{fmt}.jsonl"
        with path.open("w") as f:
            for i in range(16):
                q = " ".join(WORDS[(i + j) % len(WORDS)] for j in range(6))
                a = " ".join(WORDS[(3 * i + j) % len(WORDS)] for j in range(8))
                row = (
                    {"text": f"{q} {a}"}
                    if fmt == "text"
                    else {"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]}
                )
                f.write(json.dumps(row) + "\n")
        files[fmt] = path
    return files


def export(plan: dict, fmt: str, out: Path, technique: int | None = None) -> Path:
    """Runs the real CLI (`node build/bin/tuneplan.mjs export`) on the plan; returns the output folder."""
    out.mkdir(parents=True, exist_ok=True)
    plan_file = out / "plan.json"
    plan_file.write_text(json.dumps(plan))
    args = ["node", str(CLI), "export", str(plan_file), "--format", fmt, "--out", str(out)]
    if technique is not None:
        args += ["--technique", str(technique)]
    r = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, f"tuneplan export failed ({r.returncode}):\n{r.stdout}\n{r.stderr}"
    return out


def make_plan(family: str, techniques: list[dict], **training) -> dict:
    """A plan for the tiny model: short sequences, batch 2, AdamW (the 8-bit and paged optimizers need CUDA)."""
    return {
        "schemaVersion": 1,
        "name": f"pytest {family}",
        "model": {"source": "custom", "spec": plan_spec(family)},
        "techniques": techniques,
        "training": {"microBatch": 2, "seqLen": 32, "epochs": 1, "optimizer": "adamw", **training},
    }


def run_script(script: Path, args: list[str]) -> None:
    """Runs an exported train.py in this process, as `python train.py ARGS` would (one interpreter start for all)."""
    from accelerate.state import AcceleratorState

    argv = sys.argv
    sys.argv = [str(script), *args]
    try:
        runpy.run_path(str(script), run_name="__main__")
    finally:
        sys.argv = argv
        # Trainer keeps accelerate's process state in a singleton; the next script must start clean.
        AcceleratorState._reset_state(reset_partial_state=True)
        # An SFTConfig with a ZeRO-3 deepspeed config registers itself globally (from_pretrained then builds the
        # model under deepspeed.zero.Init); the next script must not inherit it.
        from transformers.integrations.deepspeed import unset_hf_deepspeed_config

        unset_hf_deepspeed_config()
