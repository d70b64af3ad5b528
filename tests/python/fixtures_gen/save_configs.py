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
from tuneplan_cli import REPO, model_report  # noqa: E402

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
# The module names come from `tuneplan model --json` (what Tuneplan's export passes to PEFT), so a change in
# Tuneplan's target resolution shows up here as a changed count.
# PEFT has default LN-tuning targets only for some model types; Tuneplan tells the user to pass these.
LN_DEFAULT_TYPES = {"llama", "mistral", "gemma2", "qwen2"}
LN_TARGETS = ["input_layernorm", "post_attention_layernorm", "norm"]


NEW_FAMILIES = {
    "qwen3": {
        **{"model_type": "qwen3", "hidden_size": 64, "intermediate_size": 96, "num_hidden_layers": 3},
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "head_dim": 24,
        "vocab_size": 1000,
    },
    "qwen3_moe": {
        "model_type": "qwen3_moe",
        "hidden_size": 64,
        "intermediate_size": 96,
        "num_hidden_layers": 3,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "head_dim": 24,
        "vocab_size": 1000,
        "num_experts": 6,
        "num_experts_per_tok": 2,
        "moe_intermediate_size": 40,
        "mlp_only_layers": [0],
    },
    "gemma3_text": {
        "model_type": "gemma3_text",
        "hidden_size": 64,
        "intermediate_size": 96,
        "num_hidden_layers": 3,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "head_dim": 24,
        "vocab_size": 1000,
        "sliding_window": 16,
    },
    "deepseek_v3": {
        "model_type": "deepseek_v3",
        "hidden_size": 64,
        "intermediate_size": 96,
        "num_hidden_layers": 3,
        "num_attention_heads": 4,
        "num_key_value_heads": 4,
        "vocab_size": 1000,
        "n_routed_experts": 6,
        "n_shared_experts": 1,
        "num_experts_per_tok": 2,
        "moe_intermediate_size": 40,
        "first_k_dense_replace": 1,
        "q_lora_rank": 24,
        "kv_lora_rank": 16,
        "qk_nope_head_dim": 8,
        "qk_rope_head_dim": 4,
        "v_head_dim": 12,
        "n_group": 1,
        "topk_group": 1,
    },
    "gpt2": {"model_type": "gpt2", "n_embd": 64, "n_layer": 3, "n_head": 4, "n_positions": 128, "vocab_size": 1000},
    "falcon": {
        "model_type": "falcon",
        "hidden_size": 64,
        "num_hidden_layers": 3,
        "num_attention_heads": 8,
        "num_kv_heads": 2,
        "new_decoder_architecture": True,
        "ffn_hidden_size": 96,
        "vocab_size": 1000,
    },
}


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
    # Issue 16 families (the same shapes as tests/python/test_param_counts.py NEW_FAMILIES).
    **{f"{k}-tiny": {**v, "pad_token_id": 0, "bos_token_id": 1, "eos_token_id": 2} for k, v in NEW_FAMILIES.items()},
    "llama-Llama-3.2-1B": from_catalog("Llama-3.2-1B"),
    "mistral-Mistral-7B-v0.3": from_catalog("Mistral-7B-v0.3"),
    "mixtral-Mixtral-8x7B": json.loads((REPO / "tests/fixtures/configs/mixtral-8x7b-config.json").read_text()),
    "phi3-Phi-3-mini-4k-instruct": from_catalog("Phi-3-mini-4k-instruct"),
    "phimoe-Phi-3.5-MoE-instruct": from_catalog("Phi-3.5-MoE-instruct"),
    "qwen2-Qwen2.5-0.5B": from_catalog("Qwen2.5-0.5B"),
    "gemma2-gemma-2-2b": from_catalog("gemma-2-2b"),
}


def technique_counts(cfg, config_path: Path) -> dict:
    out = {}
    report = model_report(config_path, [{"kind": kind} for kind in KINDS])
    for kind, counted in zip(KINDS, report["techniques"]):
        t = {"kind": kind, **DEFAULTS, "feedforwardModules": counted.get("feedforwardModules")}
        targets = counted["targetModules"]
        ln_note = next((n for n in counted["notes"] if "no default LN-tuning targets" in n), None)
        if kind == "ln_tuning" and ln_note:
            t["lnTargets"] = json.loads(ln_note.split("target_modules=")[1].split("]")[0] + "]")
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
        entry = {
            "modelType": cfg.model_type,
            "totalParams": total_params(model),
            "activeParams": active_params(model, cfg),
        }
        if name.endswith("-tiny"):
            entry["techniques"] = technique_counts(cfg, folder / f"{name}.json")
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
