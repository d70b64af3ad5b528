"""What one decoder layer keeps for its backward in each precision regime: Tuneplan against the real classes.

test_saved_tensors.py checks the tensors of a bf16 model with fp32 adapters and no autocast (a pure_bf16 plan). The
dtypes a real run computes in change which tensors exist, not only their size (shared/estimate/forward-dtypes.ts):
- mixed precision, full fine-tune: fp32 weights under torch.autocast(bf16). The residual stream and the norms stay
  fp32, and every projection keeps its own bf16 copy of its input (autocast caches casts of leaf weights only);
- mixed precision, adapters: a bf16 base and fp32 adapters under autocast. An adapter keeps autocast's bf16 copy of
  its input, and A·x is bf16;
- DeepSpeed: the engine casts every parameter, adapters too, to bf16 and runs no autocast. An adapter keeps the very
  tensor its projection reads, once for every module reading it;
- fp32: one dtype everywhere, so no casts at all.

Each regime is built the way its library builds it (autocast as accelerate's native AMP wraps the forward; the
adapters cast as deepspeed/runtime/engine.py `_cast_module_mixed_precision` casts them) and measured by walking the
autograd graph the forward leaves: the tensors its nodes still hold for the backward (`_saved_*`), by storage, without
parameters. Walking the final graph, not hooking every save, leaves out what a forward saves and frees again (DoRA's
weight-norm graph). Building 2 and 3 layers and taking the difference leaves one layer.

What the CPU cannot show (stated, not hidden): CUDA's autocast runs layer_norm in fp32 (ATen autocast_mode.h
AT_FORALL_FP32) and the CPU's does not, so LayerNorm families are left out here (the Vitest tier pins that rule);
dropout masks are bool on CUDA and the input's dtype on the CPU, so every adapter here runs without dropout.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("peft")

from test_saved_tensors import CASES, DENSE, RANK, collect_results  # noqa: E402
from tuneplan_cli import node, plan_from_config, run_cli  # noqa: E402

if node() is None:
    pytest.skip("node is not on PATH (needed to run build/bin/tuneplan.mjs)", allow_module_level=True)

# Prime, so no weight dimension of these configs is a multiple of it: a tensor is token-shaped when one of its
# dimensions is (a MoE's routed copies have TOKENS × top-k rows).
TOKENS = 97

# regime: (plan sections, base weights' dtype for a full fine-tune, for adapters, autocast, adapters cast to bf16)
REGIMES = {
    "mixed": (dict(training=dict(precision="mixed")), torch.float32, torch.bfloat16, True, False),
    "deepspeed": (
        dict(training=dict(precision="pure_bf16"), distribution=dict(strategy="zero2", gpusPerNode=2)),
        torch.bfloat16,
        torch.bfloat16,
        False,
        True,
    ),
    "fp32": (dict(training=dict(precision="fp32")), torch.float32, torch.float32, False, False),
}

# PEFT techniques on a Llama layer: Tuneplan's technique, the PEFT config that trains it.
TECHNIQUES = {
    "lora": (
        {"kind": "lora", "rank": RANK, "targets": "custom", "customModules": ["q_proj", "v_proj"], "dropout": 0},
        lambda peft: peft.LoraConfig(r=RANK, target_modules=["q_proj", "v_proj"], lora_dropout=0.0),
    ),
    "lora all-linear": (
        {"kind": "lora", "rank": RANK, "targets": "all-linear", "dropout": 0},
        lambda peft: peft.LoraConfig(r=RANK, target_modules="all-linear", lora_dropout=0.0),
    ),
    "dora": (
        {"kind": "dora", "rank": RANK, "targets": "custom", "customModules": ["q_proj", "v_proj"], "dropout": 0},
        lambda peft: peft.LoraConfig(r=RANK, target_modules=["q_proj", "v_proj"], lora_dropout=0.0, use_dora=True),
    ),
    "vera": (
        {"kind": "vera", "rank": RANK, "targets": "custom", "customModules": ["q_proj", "v_proj"], "dropout": 0},
        lambda peft: peft.VeraConfig(r=RANK, target_modules=["q_proj", "v_proj"], vera_dropout=0.0),
    ),
    "loha": (
        {"kind": "loha", "rank": RANK, "targets": "custom", "customModules": ["q_proj", "v_proj"], "dropout": 0},
        lambda peft: peft.LoHaConfig(r=RANK, target_modules=["q_proj", "v_proj"], rank_dropout=0.0),
    ),
    "ia3": (
        {"kind": "ia3", "targets": "custom", "customModules": ["k_proj", "v_proj", "down_proj"]},
        lambda peft: peft.IA3Config(
            target_modules=["k_proj", "v_proj", "down_proj"], feedforward_modules=["down_proj"]
        ),
    ),
}


RESULTS = Path(__file__).resolve().parents[2] / "build" / "out" / "test-results" / "saved-tensors-precision.json"


@pytest.fixture(scope="module")
def results():
    """Every per-token comparison of this module, written for `npm run validate` (electron/cli/saved-tensors.ts)."""
    yield from collect_results(RESULTS, f"precision regimes, {TOKENS} tokens, CPU")


def kept(root: torch.Tensor, params: set[int]) -> dict[int, tuple[int, tuple[int, ...]]]:
    """The tensors the graph behind `root` still holds for its backward, by storage: (bytes, shape)."""
    seen: dict[int, tuple[int, tuple[int, ...]]] = {}
    stack, visited = [root.grad_fn], set()
    while stack:
        fn = stack.pop()
        if fn is None or fn in visited:
            continue
        visited.add(fn)
        for name in dir(fn):
            if not name.startswith("_saved_"):
                continue
            try:
                value = getattr(fn, name)
            except RuntimeError:  # a saved tensor already released
                continue
            for t in value if isinstance(value, (tuple, list)) else [value]:
                if isinstance(t, torch.Tensor) and t.numel() > 0:
                    storage = t.untyped_storage()
                    if storage.data_ptr() not in params:
                        seen.setdefault(storage.data_ptr(), (storage.nbytes(), tuple(t.shape)))
        stack.extend(f for f, _ in fn.next_functions)
    return seen


def build(config, layers: int, dtype, make_peft, cast_adapters: bool):
    from transformers import AutoModelForCausalLM

    cfg = config.__class__.from_dict(config.to_dict())
    cfg.num_hidden_layers = layers
    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_config(cfg, dtype=dtype, attn_implementation="sdpa")
    model.train()
    if make_peft is not None:
        import peft

        # A fresh config for every model: get_peft_model resolves "all-linear" into the first model's module paths.
        model = peft.get_peft_model(model, make_peft(peft))
        if cast_adapters:
            # deepspeed 0.19.8 runtime/engine.py _cast_module_mixed_precision: every floating parameter to bf16.
            for p in model.parameters():
                if p.is_floating_point() and p.dtype != torch.bfloat16:
                    p.data = p.data.to(torch.bfloat16)
    return model


def measured(config, dtype, make_peft, autocast: bool, cast_adapters: bool) -> tuple[float, float]:
    """(token-shaped bytes per token, weight-shaped bytes) one layer keeps: the 3-layer model less the 2-layer one."""
    ids = torch.randint(1, 500, (1, TOKENS), generator=torch.Generator().manual_seed(0))

    def one(layers: int) -> tuple[int, int]:
        model = build(config, layers, dtype, make_peft, cast_adapters)
        params = {p.untyped_storage().data_ptr() for p in model.parameters()}
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast):
            out = model(input_ids=ids, use_cache=False)
        tensors = list(kept(out.logits, params).values())
        per_token = [any(d % TOKENS == 0 for d in shape) for _, shape in tensors]
        tokens = sum(b for (b, _), t in zip(tensors, per_token) if t)
        return tokens, sum(b for (b, _), t in zip(tensors, per_token) if not t)

    (t2, w2), (t3, w3) = one(2), one(3)
    return (t3 - t2) / TOKENS, float(w3 - w2)


def tuneplan_per_layer(config, technique: dict, sections: dict, tmp_path: Path) -> tuple[int, dict]:
    """The per-layer bytes per token Tuneplan's activations explanation prints, and that explanation row."""
    # The stock modules: the chunked loss would turn Liger's layer kernels on (kernels.ts ligerFlagForChunkedLoss).
    shape = dict(
        microBatch=1, seqLen=TOKENS, gradientCheckpointing=False, packing=True, attention="sdpa", lossKernel="standard"
    )
    merged = {**sections, "training": {**shape, **sections["training"]}}
    done = run_cli("estimate", str(plan_from_config(config, tmp_path, [technique], **merged)), "--json")
    assert done.returncode == 0, done.stderr + done.stdout
    row = next(r for r in json.loads(done.stdout)["techniques"][0]["explain"] if r["key"] == "memory.activations")
    match = re.search(r"layers × ([\d,]+) B \[", row["substituted"])
    assert match, f"no per-layer figure in {row['substituted']!r}"
    return int(match.group(1).replace(",", "")), row


def compare(label: str, predicted: int, measured_bytes: float, tolerance: float, unit: str = "B/token/layer") -> None:
    error = (predicted - measured_bytes) / measured_bytes
    print(f"{label}: measured {measured_bytes:.0f} {unit}, Tuneplan {predicted} ({error:+.1%})")
    assert abs(error) <= tolerance, (
        f"{label}: Tuneplan keeps {predicted} {unit}, the real class {measured_bytes:.0f} "
        f"({error:+.1%}, tolerance {tolerance:.0%})"
    )


# RMSNorm families (CPU autocast leaves layer_norm alone: see the module's docstring) and one MoE.
FAMILIES = ["llama", "phi3", "qwen3", "gemma", "olmo2", "mixtral", "qwen2_moe"]


@pytest.mark.parametrize("regime", list(REGIMES))
@pytest.mark.parametrize("family", FAMILIES)
def test_each_precision_regime_keeps_what_the_real_class_keeps(
    family: str, regime: str, tmp_path: Path, results: list[dict]
) -> None:
    from transformers import AutoConfig

    model_type, keys, targets, tolerance = CASES[family]
    config = AutoConfig.for_model(model_type, **keys)
    sections, full_dtype, adapter_dtype, autocast, cast_adapters = REGIMES[regime]
    lora = {"kind": "lora", "rank": RANK, "targets": "custom", "customModules": targets, "dropout": 0}
    for mode, technique, dtype, make_peft in (
        ("lora", lora, adapter_dtype, lambda peft: peft.LoraConfig(r=RANK, target_modules=targets, lora_dropout=0.0)),
        ("full", {"kind": "full"}, full_dtype, None),
    ):
        per_token, weights = measured(config, dtype, make_peft, autocast, cast_adapters and make_peft is not None)
        predicted, _ = tuneplan_per_layer(config, technique, sections, tmp_path / mode)
        results.append({"family": family, "mode": f"{mode}, {regime}", "measured": per_token, "tuneplan": predicted})
        compare(f"{family} {mode} {regime}", predicted, per_token, tolerance)
        if mode == "full" and regime == "mixed":
            # fp32 weights under autocast: every linear layer keeps autocast's bf16 copy of its weight for its input's
            # gradient, 2 B per linear parameter until that layer's backward. Tuneplan counts a mixed full fine-tune
            # as 2 B weights + 4 B master (memory.ts bytesFor); the run holds 4 B fp32 weights + this 2 B copy: the
            # same 6 B while the fp32 gradients are not yet made. (MoE experts run in fp32: no copy.)
            linear = sum(
                m.weight.numel()
                for name, m in build(config, 1, torch.float32, None, False).named_modules()
                if isinstance(m, torch.nn.Linear) and ".layers.0." in f".{name}."
            )
            # Beside them only small per-layer constants (Gemma's fp32 `1 + weight`: 2 × 4·h B; a MoE's routing
            # bookkeeping, 1,040 B here): at most 2 KiB.
            extra = weights - 2 * linear
            assert 0 <= extra <= 2048, f"{family}: {weights:.0f} B of weights per layer, not 2 × {linear} + constants"


@pytest.mark.parametrize("regime", ["pure_bf16", *REGIMES])
@pytest.mark.parametrize("technique", list(TECHNIQUES))
def test_each_peft_method_keeps_what_peft_keeps(
    technique: str, regime: str, tmp_path: Path, results: list[dict]
) -> None:
    from transformers import AutoConfig

    config = AutoConfig.for_model("llama", **DENSE)
    if technique == "vera" and regime == "deepspeed":
        # DeepSpeed's cast leaves buffers alone, so VeRA's shared vera_A / vera_B stay fp32 while the input is cast to
        # λ's bf16 (peft tuners/vera/layer.py): the forward fails, as Tuneplan's vera-deepspeed-dtype warning says.
        with pytest.raises(RuntimeError, match="same dtype"):
            measured(config, torch.bfloat16, TECHNIQUES[technique][1], False, True)
        return
    plan_technique, make_config = TECHNIQUES[technique]
    if regime == "pure_bf16":
        sections, dtype, autocast, cast = dict(training=dict(precision="pure_bf16")), torch.bfloat16, False, False
    else:
        sections, _, dtype, autocast, cast = REGIMES[regime]
    per_token, weights = measured(config, dtype, make_config, autocast, cast)
    predicted, activations = tuneplan_per_layer(config, plan_technique, sections, tmp_path)
    results.append({"family": "llama", "mode": f"{technique}, {regime}", "measured": per_token, "tuneplan": predicted})
    compare(f"{technique} {regime}", predicted, per_token, 0.01)
    if technique == "loha":
        # F.linear(x, ΔW) keeps each module's whole delta weight, out × in, in the dtype it was built in (bf16 under
        # autocast): the "per layer" figure Tuneplan's activations explanation prints (memory.ts
        # adapterSavedWeightsPerLayer).
        note = re.search(r"delta weight ΔW for its backward: ([\d,]+) B per layer", activations.get("note", ""))
        assert note, f"no LoHa delta-weight figure in {activations.get('note')!r}"
        compare(f"{technique} {regime} ΔW per layer", int(note.group(1).replace(",", "")), weights, 0.01, "B/layer")
