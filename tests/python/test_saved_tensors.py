"""What one decoder layer keeps for its backward, per token: Tuneplan against the real transformers classes.

Tuneplan's activation memory is, per layer and per token, the sum of the tensors autograd saves for the backward
(shared/estimate/memory.ts savedBytesPerTokenPerLayer). This test counts those tensors in the real model: every
tensor autograd packs during a forward pass (torch.autograd.graph.saved_tensors_hooks) is recorded by its storage,
so views of one buffer count once and parameters not at all. Building the model with 2 and with 3 layers and taking
the difference leaves exactly one layer. Both readings go through Tuneplan's own paths: the config.json the class
writes (save_pretrained) is imported with `tuneplan import`, and the per-layer figure is the one the estimate's
"Activations" explanation prints.

What this can and cannot show (stated, not hidden):
- It runs on the CPU: scaled_dot_product_attention takes PyTorch's CPU flash kernel, which saves what the CUDA flash
  and memory-efficient kernels save (q, k, v, the output and the fp32 log-sum-exp) and writes its output in q's
  memory layout like they do. LayerNorm's mean and rstd are bf16 on the CPU and fp32 on CUDA (4 bytes per norm per
  token, within the tolerance).
- Per-layer constants that do not grow with tokens (Gemma's fp32 `1 + weight`) show up here divided by the tokens.
- Not covered: multi-query Falcon (SDPA cannot take one kv head without enable_gqa and falls back to its math path,
  which the CPU upcasts to fp32 and a GPU does not), BLOOM (no SDPA in transformers 5), and GPT-J's and GLM's
  per-layer sin/cos copies (rotary_dim wide; Tuneplan does not count them: their tolerances say so).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("peft")

from tuneplan_cli import node, plan_from_config, run_cli  # noqa: E402

if node() is None:
    pytest.skip("node is not on PATH (needed to run build/bin/tuneplan.mjs)", allow_module_level=True)

TOKENS = 128  # one sequence; per-token figures
RANK = 8
# Shapes small enough for the CPU, every width distinct where the formula tells them apart.
DENSE = dict(
    hidden_size=128, intermediate_size=352, num_attention_heads=4, num_key_value_heads=2, vocab_size=512, pad_token_id=0
)
PLAIN = dict(hidden_size=128, num_attention_heads=4, vocab_size=512, pad_token_id=0)
MOE = dict(num_experts=4, num_experts_per_tok=2, moe_intermediate_size=96)
NO_DROPOUT = dict(resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0)

# family: (model_type, config keys, LoRA targets, tolerance)
CASES: dict[str, tuple[str, dict, list[str], float]] = {
    "llama": ("llama", DENSE, ["q_proj", "v_proj"], 0.01),
    "mistral": ("mistral", DENSE, ["q_proj", "v_proj"], 0.01),
    "qwen2": ("qwen2", DENSE, ["q_proj", "v_proj"], 0.01),
    # GLM: partial rotary built with torch.cat, so o_proj's input is a copy of SDPA's output. Its interleaved cos and
    # sin (repeat_interleave, rotary_dim wide) are copied in every layer, which Tuneplan does not count: at these
    # widths 64 B of ~5 KB, at GLM-4-9B's 0.1 %.
    "glm": ("glm", {**DENSE, "head_dim": 32}, ["q_proj", "v_proj"], 0.02),
    "glm4": ("glm4", {**DENSE, "head_dim": 32}, ["q_proj", "v_proj"], 0.02),
    # Fused qkv_proj: v is a view of it, so the whole buffer stays besides the rotated q and k.
    "phi3": ("phi3", DENSE, ["qkv_proj"], 0.01),
    # q/k norms per head (Qwen3, Gemma 3) or over the projection (OLMo 2).
    "qwen3": ("qwen3", {**DENSE, "head_dim": 32}, ["q_proj", "v_proj"], 0.01),
    "olmo2": ("olmo2", DENSE, ["q_proj", "v_proj"], 0.01),
    "gemma": ("gemma", {**DENSE, "head_dim": 32}, ["q_proj", "v_proj"], 0.01),
    "gemma3_text": ("gemma3_text", {**DENSE, "head_dim": 32}, ["q_proj", "v_proj"], 0.01),
    # CohereLayerNorm in Python fp32 ops, one norm for a parallel block.
    "cohere": ("cohere", DENSE, ["q_proj", "v_proj"], 0.01),
    # Plain MLPs: gelu_pytorch_tanh, relu, gelu, and gelu_new's four tensors.
    "starcoder2": (
        "starcoder2",
        {**DENSE, "residual_dropout": 0.0, "embedding_dropout": 0.0},
        ["q_proj", "v_proj"],
        0.01,
    ),
    "opt": (
        "opt",
        {
            **PLAIN,
            "ffn_dim": 512,
            "word_embed_proj_dim": 128,
            "max_position_embeddings": 256,
            "dropout": 0.0,
            "attention_dropout": 0.0,
        },
        ["q_proj", "v_proj"],
        0.01,
    ),
    "gpt_neox": ("gpt_neox", {**PLAIN, "intermediate_size": 512}, ["query_key_value"], 0.01),
    "gpt2": (
        "gpt2",
        {"n_embd": 128, "n_head": 4, "vocab_size": 512, "n_positions": 256, **NO_DROPOUT},
        ["c_attn"],
        0.01,
    ),
    "phi": ("phi", {**PLAIN, "intermediate_size": 512}, ["q_proj", "v_proj"], 0.01),
    "gptj": ("gptj", {"n_embd": 128, "n_head": 4, "vocab_size": 512, "rotary_dim": 8, **NO_DROPOUT}, ["q_proj"], 0.02),
    # Falcon with grouped kv heads (new_decoder_architecture): k, v broadcast to every head; a mask in every layer.
    "falcon": ("falcon", {**PLAIN, "new_decoder_architecture": True, "num_kv_heads": 2}, ["query_key_value"], 0.01),
    # MoE: routed experts of their own width, shared experts, routing tensors; DeepSeek-V3's latent attention.
    "mixtral": ("mixtral", {**DENSE, "num_local_experts": 4, "num_experts_per_tok": 2}, ["q_proj", "v_proj"], 0.01),
    "qwen2_moe": ("qwen2_moe", {**DENSE, **MOE, "shared_expert_intermediate_size": 192}, ["q_proj", "v_proj"], 0.01),
    "qwen3_moe": ("qwen3_moe", {**DENSE, **MOE, "head_dim": 32}, ["q_proj", "v_proj"], 0.01),
    "deepseek_v3": (
        "deepseek_v3",
        {
            **DENSE,
            "n_routed_experts": 4,
            "num_experts_per_tok": 2,
            "moe_intermediate_size": 96,
            "n_shared_experts": 1,
            "first_k_dense_replace": 0,
            "q_lora_rank": 64,
            "kv_lora_rank": 32,
            "qk_rope_head_dim": 16,
            "qk_nope_head_dim": 16,
            "v_head_dim": 32,
            "n_group": 1,
            "topk_group": 1,
        },
        ["q_b_proj", "kv_b_proj"],
        0.01,
    ),
}


RESULTS = Path(__file__).resolve().parents[2] / "build" / "out" / "test-results" / "saved-tensors.json"


def collect_results(path: Path, about: str):
    """A module's comparisons: yields the list its tests append to, then writes it for `npm run validate`
    (electron/cli/saved-tensors.ts) with the library versions that produced it."""
    import transformers

    rows: list[dict] = []
    yield rows
    path.parent.mkdir(parents=True, exist_ok=True)
    versions = f"torch {torch.__version__}, transformers {transformers.__version__}"
    path.write_text(json.dumps({"about": f"{about} ({versions})", "rows": rows}, indent=1))


@pytest.fixture(scope="module")
def results():
    """Every comparison of this module, written for `npm run validate` (electron/cli/saved-tensors.ts) at the end."""
    yield from collect_results(RESULTS, f"one layer, {TOKENS} tokens, bf16, CPU")


def build(config, layers: int, targets: list[str] | None):
    from transformers import AutoModelForCausalLM

    cfg = config.__class__.from_dict(config.to_dict())
    for key in ("num_hidden_layers", "n_layer", "num_layers"):
        if hasattr(cfg, key):
            setattr(cfg, key, layers)
    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_config(cfg, dtype=torch.bfloat16, attn_implementation="sdpa")
    model.train()
    if targets:
        from peft import LoraConfig, get_peft_model

        model = get_peft_model(model, LoraConfig(r=RANK, target_modules=targets, lora_dropout=0.0))
    return model


def saved_bytes(model, ids) -> int:
    """Bytes of the distinct storages autograd saves in one forward pass, parameters left out."""
    params = {p.untyped_storage().data_ptr() for p in model.parameters()}
    seen: dict[int, int] = {}

    def pack(t):
        storage = t.untyped_storage()
        if storage.data_ptr() not in params:
            seen.setdefault(storage.data_ptr(), storage.nbytes())
        return t  # held by the graph until the end of the test: no storage is freed and reused meanwhile

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        model(input_ids=ids, use_cache=False)
    return sum(seen.values())


def measured_per_layer(config, targets: list[str] | None) -> float:
    ids = torch.randint(1, 500, (1, TOKENS), generator=torch.Generator().manual_seed(0))
    two, three = (saved_bytes(build(config, n, targets), ids) for n in (2, 3))
    return (three - two) / TOKENS


def tuneplan_per_layer(config, targets: list[str], tmp_path: Path) -> dict[str, int]:
    """Per-layer bytes per token Tuneplan prints for a LoRA plan and a full fine-tuning plan of this config."""
    plan_path = plan_from_config(
        config,
        tmp_path,
        [
            {"kind": "lora", "rank": RANK, "targets": "custom", "customModules": targets, "dropout": 0},
            {"kind": "full"},
        ],
        training=dict(
            microBatch=1,
            seqLen=TOKENS,
            gradientCheckpointing=False,
            precision="pure_bf16",
            packing=True,
            attention="sdpa",
            # The stock modules: the chunked loss would turn Liger's layer kernels on (kernels.ts).
            lossKernel="standard",
        ),
    )
    done = run_cli("estimate", str(plan_path), "--json")
    assert done.returncode == 0, done.stderr + done.stdout
    out = {}
    for technique, name in zip(json.loads(done.stdout)["techniques"], ("lora", "full")):
        row = next(r for r in technique["explain"] if r["key"] == "memory.activations")
        match = re.search(r"layers × ([\d,]+) B \[", row["substituted"])
        assert match, f"no per-layer figure in {row['substituted']!r}"
        out[name] = int(match.group(1).replace(",", ""))
    return out


@pytest.mark.parametrize("family", list(CASES))
def test_saved_tensors_per_layer_match_the_real_class(family: str, tmp_path: Path, results: list[dict]) -> None:
    from transformers import AutoConfig

    model_type, keys, targets, tolerance = CASES[family]
    config = AutoConfig.for_model(model_type, **keys)
    predicted = tuneplan_per_layer(config, targets, tmp_path)
    for mode, lora_targets in (("lora", targets), ("full", None)):
        measured = measured_per_layer(config, lora_targets)
        error = (predicted[mode] - measured) / measured
        print(f"{family} {mode}: measured {measured:.0f} B/token/layer, Tuneplan {predicted[mode]} ({error:+.1%})")
        results.append({"family": family, "mode": mode, "measured": measured, "tuneplan": predicted[mode]})
        assert abs(error) <= tolerance, (
            f"{family} {mode}: Tuneplan keeps {predicted[mode]} B per token per layer, "
            f"the real class {measured:.0f} ({error:+.1%}, tolerance {tolerance:.0%})"
        )


@pytest.mark.parametrize("family", ["llama", "phi3"])
def test_padded_batches_keep_repeated_kv_and_a_mask_per_layer(
    family: str, tmp_path: Path, results: list[dict]
) -> None:
    """Two sequences padded to one length: transformers passes an attention mask, repeats k and v to every head, and
    scaled_dot_product_attention keeps its dtype-converted mask in every layer."""
    from transformers import AutoConfig

    model_type, keys, targets, _ = CASES[family]
    config = AutoConfig.for_model(model_type, **keys)
    plan_path = plan_from_config(
        config,
        tmp_path,
        [{"kind": "lora", "rank": RANK, "targets": "custom", "customModules": targets, "dropout": 0}],
        training=dict(
            microBatch=2,
            seqLen=TOKENS,
            gradientCheckpointing=False,
            precision="pure_bf16",
            packing=False,
            attention="sdpa",
            # The stock modules: the chunked loss would turn Liger's layer kernels on (kernels.ts).
            lossKernel="standard",
        ),
    )
    done = run_cli("estimate", str(plan_path), "--json")
    assert done.returncode == 0, done.stderr + done.stdout
    row = next(r for r in json.loads(done.stdout)["techniques"][0]["explain"] if r["key"] == "memory.activations")
    assert "attention mask converted by SDPA" in row["substituted"]
    predicted = int(re.search(r"layers × ([\d,]+) B \[", row["substituted"]).group(1).replace(",", ""))

    ids = torch.randint(1, 500, (2, TOKENS), generator=torch.Generator().manual_seed(0))
    mask = torch.ones(2, TOKENS, dtype=torch.long)
    mask[1, : TOKENS // 4] = 0  # the shorter example, left-padded

    def padded(layers: int) -> int:
        model = build(config, layers, targets)
        params = {p.untyped_storage().data_ptr() for p in model.parameters()}
        seen: dict[int, int] = {}

        def pack(t):
            if t.untyped_storage().data_ptr() not in params:
                seen.setdefault(t.untyped_storage().data_ptr(), t.untyped_storage().nbytes())
            return t

        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            model(input_ids=ids, attention_mask=mask, use_cache=False)
        return sum(seen.values())

    measured = (padded(3) - padded(2)) / (2 * TOKENS)
    error = (predicted - measured) / measured
    print(f"{family} padded: measured {measured:.0f} B/token/layer, Tuneplan {predicted} ({error:+.1%})")
    results.append({"family": family, "mode": "lora, padded", "measured": measured, "tuneplan": predicted})
    assert abs(error) <= 0.01, f"{family} padded: Tuneplan {predicted}, the real class {measured:.0f} ({error:+.1%})"
