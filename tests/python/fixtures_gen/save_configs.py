"""Writes real-format config.json fixtures with transformers' own save_pretrained (issue 12 item 5).

For every family Tuneplan reads from config.json that transformers ships a class for, a scaled-down
model and the full-size shape of a real model (from shared/catalog/data/models.json, or
tests/fixtures/configs for Mixtral) go to
    tests/fixtures/configs/saved/transformers-<version>/<family>-<what>.json
with counts.json beside them: the parameter counts of the real class built from each file on the meta
device (total, MoE-active, and for the scaled-down (-tiny) files the trainable count of every technique with
Tuneplan's default settings, or the error PEFT raises), and VERSIONS naming the libraries that wrote them.
tests/unit/estimate/saved-configs.test.ts reads them all and checks Tuneplan's counts against counts.json.

Run: /root/.cache/tuneplan/venv-probe/bin/python tests/python/fixtures_gen/save_configs.py
"""

from __future__ import annotations

import json
import platform
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import peft  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from real_counts import active_params, make_config, meta_model, total_params, trainable_params  # noqa: E402
from tuneplan_cli import REPO  # noqa: E402

KINDS = [
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
# TechniqueSchema defaults (shared/domain/plan.ts).
DEFAULTS = {"rank": 16, "alpha": 32, "dropout": 0.05, "targets": "all-linear", "virtualTokens": 20}
# The module names Tuneplan resolves for `all-linear` and IA3 (shared/estimate/architecture.ts, techniques.ts).
LINEAR = {
    "phi3": ["qkv_proj", "o_proj", "gate_up_proj", "down_proj"],
    "mixtral": ["q_proj", "k_proj", "v_proj", "o_proj", "w1", "w3", "w2", "gate"],
    "phimoe": ["q_proj", "k_proj", "v_proj", "o_proj", "w1", "w3", "w2", "gate"],
}
DENSE = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
IA3 = {"phi3": ["qkv_proj", "down_proj"], "mixtral": ["k_proj", "v_proj", "w2"], "phimoe": ["k_proj", "v_proj", "w2"]}
# PEFT has default LN-tuning targets only for some model types; Tuneplan tells the user to pass these.
LN_DEFAULT_TYPES = {"llama", "mistral", "gemma2", "qwen2"}
LN_TARGETS = ["input_layernorm", "post_attention_layernorm", "norm"]


def small(model_type: str) -> dict:
    c = {
        "model_type": model_type,
        "hidden_size": 64,
        "intermediate_size": 96,
        "num_hidden_layers": 3,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "vocab_size": 1000,
        "pad_token_id": 0,
        "bos_token_id": 1,
        "eos_token_id": 2,
    }
    if model_type in ("mixtral", "phimoe"):
        c.update(num_local_experts=4, num_experts_per_tok=2)
    if model_type == "phimoe":
        c.update(attention_bias=True, lm_head_bias=True)  # as Phi-3.5-MoE-instruct's config.json
    if model_type == "qwen2":
        c.update(tie_word_embeddings=True)
    return c


def from_catalog(name: str) -> dict:
    data = json.loads((REPO / "shared/catalog/data/models.json").read_text())
    m = next(x for x in data["models"] if x["name"] == name)
    keys = [
        "hidden_size",
        "intermediate_size",
        "num_hidden_layers",
        "num_attention_heads",
        "num_key_value_heads",
        "head_dim",
        "vocab_size",
        "max_position_embeddings",
        "tie_word_embeddings",
        "attention_bias",
        "lm_head_bias",
    ]
    c = {k: m[k] for k in keys if k in m}
    c["model_type"] = m.get("model_type", "llama")
    if m.get("moe"):
        c.update(num_local_experts=m["moe"]["num_local_experts"], num_experts_per_tok=m["moe"]["num_experts_per_tok"])
    c.update(pad_token_id=0, bos_token_id=1, eos_token_id=2)
    return c


FILES = {
    **{f"{f}-tiny": small(f) for f in ["llama", "mistral", "mixtral", "phi3", "phimoe", "qwen2", "gemma2"]},
    "llama-Llama-3.2-1B": from_catalog("Llama-3.2-1B"),
    "mistral-Mistral-7B-v0.3": from_catalog("Mistral-7B-v0.3"),
    "mixtral-Mixtral-8x7B": json.loads((REPO / "tests/fixtures/configs/mixtral-8x7b-config.json").read_text()),
    "phi3-Phi-3-mini-4k-instruct": from_catalog("Phi-3-mini-4k-instruct"),
    "phimoe-Phi-3.5-MoE-instruct": from_catalog("Phi-3.5-MoE-instruct"),
    "qwen2-Qwen2.5-0.5B": from_catalog("Qwen2.5-0.5B"),
    "gemma2-gemma-2-2b": from_catalog("gemma-2-2b"),
}


def technique_counts(cfg) -> dict:
    out = {}
    mt = cfg.model_type
    for kind in KINDS:
        t = {"kind": kind, **DEFAULTS}
        targets = IA3.get(mt, ["k_proj", "v_proj", "down_proj"]) if kind == "ia3" else LINEAR.get(mt, DENSE)
        if kind == "ln_tuning" and mt not in LN_DEFAULT_TYPES:
            t["lnTargets"] = LN_TARGETS
        try:
            out[kind] = trainable_params(cfg, t, targets)
        except Exception as error:  # noqa: BLE001 - recorded: what PEFT says is the finding
            out[kind] = {"error": f"{type(error).__name__}: {str(error).splitlines()[0][:300]}"}
    return out


def main() -> None:
    folder = REPO / "tests/fixtures/configs/saved" / f"transformers-{transformers.__version__}"
    folder.mkdir(parents=True, exist_ok=True)
    counts = {}
    for name, raw in FILES.items():
        cfg = make_config(raw)
        with tempfile.TemporaryDirectory() as tmp:
            cfg.save_pretrained(tmp)
            text = (Path(tmp) / "config.json").read_text()
        (folder / f"{name}.json").write_text(text)
        cfg = make_config(json.loads(text))  # count what the file says, not what we asked for
        model = meta_model(cfg)
        entry = {"modelType": cfg.model_type, "totalParams": total_params(model), "activeParams": active_params(model, cfg)}
        if name.endswith("-tiny"):
            entry["techniques"] = technique_counts(cfg)
        counts[f"{name}.json"] = entry
        print(name, entry["totalParams"], entry["activeParams"], flush=True)
    (folder / "counts.json").write_text(json.dumps(counts, indent=2, sort_keys=True) + "\n")
    (folder / "VERSIONS").write_text(
        "Written by tests/python/fixtures_gen/save_configs.py with save_pretrained; counts.json from the real\n"
        "classes on the meta device (techniques with Tuneplan's default settings, PEFT configs as its export).\n"
        f"transformers {transformers.__version__}\npeft {peft.__version__}\ntorch {torch.__version__}\n"
        f"python {platform.python_version()}\n"
    )


if __name__ == "__main__":
    main()
