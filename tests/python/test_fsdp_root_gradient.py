"""FSDP's root unit reduces its gradient last: the head's unsharded gradient lives through every layer's backward.

A real FSDP2 run (torch.distributed.fsdp.fully_shard, two processes on the CPU over gloo) of a tiny untied Llama,
each decoder layer its own unit and the model the root (embeddings, final norm, head), as the accelerate export's
transformer-based wrap does. A backward pre-hook on the first decoder layer (the last layer the backward reaches)
looks at the root parameter group's unsharded gradients. Tuneplan counts the head's and the final norm's gradient,
unsharded, through the backward (shared/estimate/distributed.ts `fsdp.rootGradient`) and the embedding's at its end
(memory.ts `rootEndGradient`); this checks the mechanism and the element count.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from tuneplan_cli import estimate_report, node, plan_from_config  # noqa: E402

if node() is None:
    pytest.skip("node is not on PATH (needed to run build/bin/tuneplan.mjs)", allow_module_level=True)
if not torch.distributed.is_available() or not torch.distributed.is_gloo_available():
    pytest.skip("this torch has no gloo backend: FSDP cannot run on the CPU", allow_module_level=True)

SHAPE = dict(
    hidden_size=64,
    intermediate_size=128,
    num_hidden_layers=2,
    num_attention_heads=4,
    num_key_value_heads=2,
    vocab_size=512,
)

PROBE = textwrap.dedent(
    """
    import json, sys, torch, torch.distributed as dist
    from torch.distributed.fsdp import fully_shard
    from transformers import LlamaConfig, LlamaForCausalLM

    dist.init_process_group("gloo")
    torch.manual_seed(0)
    cfg = LlamaConfig(**json.loads(sys.argv[1]), tie_word_embeddings=False)
    model = LlamaForCausalLM(cfg)
    mesh = torch.distributed.device_mesh.init_device_mesh("cpu", (dist.get_world_size(),))
    for layer in model.model.layers:
        fully_shard(layer, mesh=mesh)
    fully_shard(model, mesh=mesh)
    root = model._get_fsdp_state()._fsdp_param_group
    seen = {}

    def probe(mod, grad_out):
        for fp in root.fsdp_params:
            grad = getattr(fp, "_unsharded_param", None)
            grad = None if grad is None else grad.grad
            if grad is not None:
                seen[fp._param_fqn] = list(grad.shape)

    model.model.layers[0].register_full_backward_pre_hook(probe)
    ids = torch.randint(0, cfg.vocab_size, (2, 16))
    model(input_ids=ids, labels=ids).loss.backward()
    after = {n: list(p.grad.to_local().shape) for n, p in model.named_parameters() if "layers" not in n}
    full = {n: list(p.shape) for n, p in model.named_parameters() if "layers" not in n}
    if dist.get_rank() == 0:
        print("RESULT " + json.dumps({"seen": seen, "after": after, "full": full}))
    dist.destroy_process_group()
    """
)


def run_fsdp(tmp_path) -> dict:
    script = tmp_path / "probe.py"
    script.write_text(PROBE)
    proc = subprocess.run(
        # --standalone: a free local port, so parallel runs do not collide.
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]
        + [str(script), json.dumps(SHAPE)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    line = next((l for l in proc.stdout.splitlines() if l.startswith("RESULT ")), None)
    assert line, f"the FSDP run printed no result (exit {proc.returncode}):\n{proc.stderr[-3000:]}"
    return json.loads(line[len("RESULT ") :])


def plan(tmp_path) -> Path:
    from transformers import LlamaConfig

    return plan_from_config(
        LlamaConfig(**SHAPE, tie_word_embeddings=False),
        tmp_path / "plan",
        [{"kind": "full"}],
        training={
            "microBatch": 2,
            "seqLen": 16,
            "precision": "pure_bf16",
            "optimizer": "adamw",
            "stack": "transformers",
            "lossKernel": "standard",
        },
        distribution={"strategy": "fsdp_full", "gpusPerNode": 2},
    )


def test_root_gradient_is_unsharded_through_the_backward(tmp_path) -> None:
    result = run_fsdp(tmp_path)
    v, h = SHAPE["vocab_size"], SHAPE["hidden_size"]
    # At the last layer's backward the head's gradient exists whole (V × h, not a V/2 × h shard), the final norm's too.
    assert result["seen"].get("lm_head.weight") == [v, h], result
    assert result["seen"].get("model.norm.weight") == [h], result
    # The embedding's gradient is made last, after that layer: not yet there.
    assert "model.embed_tokens.weight" not in result["seen"], result
    # After the backward the root reduce-scattered: each rank keeps its shard.
    assert result["after"]["lm_head.weight"] == [v // 2, h], result
    assert result["after"]["model.embed_tokens.weight"] == [v // 2, h], result

    # Tuneplan counts the head's and the final norm's unsharded gradient through the backward (the embedding's is
    # added at its end only): the same elements the real run holds at the last layer's backward.
    report = estimate_report(plan(tmp_path))
    communication = next(e for e in report["techniques"][0]["explain"] if e["key"] == "memory.communication")
    match = re.search(r"FSDP root unit's unsharded head [^;]*? ([\d,]+) × (\d+) B", communication["substituted"])
    assert match, communication["substituted"]
    seen_elements = sum(int(torch.Size(s).numel()) for s in result["seen"].values())
    assert int(match.group(1).replace(",", "")) == seen_elements
    assert int(match.group(2)) == 2  # bf16 gradients
