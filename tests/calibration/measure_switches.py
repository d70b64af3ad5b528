"""GPU measurement script for issue 15: peak memory of the training switches, recorded in the reference format.

Run on a CUDA machine (one GPU for the single-device cases, 2+ for ZeRO/FSDP through torchrun):
    python tests/calibration/measure_switches.py --model <local config dir> --out tests/fixtures/measured/switches.json
Every case builds a model from a local config (never downloads), trains `--steps` steps on random tokens, and
records torch.cuda.memory_stats() peaks — allocated, active, reserved, and the first step's active apart (it runs
before the optimizer has made its state) — plus nvidia-smi's used memory, as records
with the fields of tests/fixtures/reference-measurements.json so `tuneplan validate` reads them
(tests/fixtures/measured/*.json).

`--dry-run` runs the plumbing on CPU: the case list, the plan of each case, the record format, without CUDA.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass
class Case:
    id: str
    technique: str = "full"
    gpus: int = 1
    zero_stage: int | None = None
    fsdp: str | None = None
    compile: bool = False
    activation_offload: bool = False
    gradient_checkpointing: bool = True
    micro_batch: int = 2
    seq_len: int = 2048
    # Issue 15 §3, the caching allocator: "packed" (every row seq_len long), or unpacked rows of random lengths
    # padded per batch, drawn "shuffled" or "longest_first" (transformers' LengthGroupedSampler order).
    lengths: str = "packed"
    # PYTORCH_ALLOC_CONF=expandable_segments:True, read once per process: such a case runs in its own process.
    expandable: bool = False
    # Steps to run (None: --steps). Unpacked cases run more, so that fragmentation across batches shows.
    steps: int | None = None
    extra: dict = field(default_factory=dict)


CASES = [
    Case("full-bf16"),
    Case("full-compile", compile=True),
    Case("full-act-offload", activation_offload=True),
    Case("qlora-nf4", technique="qlora"),
    Case("lora-zero2-2gpu", technique="lora", gpus=2, zero_stage=2),
    Case("full-zero3-2gpu", gpus=2, zero_stage=3),
    Case("full-fsdp-2gpu", gpus=2, fsdp="full_shard"),
    Case("lora-shuffled", technique="lora", gradient_checkpointing=False, micro_batch=4, lengths="shuffled", steps=24),
    Case(
        "lora-longest-first",
        technique="lora",
        gradient_checkpointing=False,
        micro_batch=4,
        lengths="longest_first",
        steps=24,
    ),
    Case(
        "lora-shuffled-expandable",
        technique="lora",
        gradient_checkpointing=False,
        micro_batch=4,
        lengths="shuffled",
        expandable=True,
        steps=24,
    ),
]

# Unpacked rows: lengths uniform in [seq_len / 8, seq_len] from a fixed seed, so every run sees the same batches.
LENGTH_SEED = 20261201


def row_lengths(case: Case, rows: int) -> list[int]:
    """The unpacked rows' lengths, in the order the batches are drawn."""
    import random

    rng = random.Random(LENGTH_SEED)
    lengths = [rng.randint(case.seq_len // 8, case.seq_len) for _ in range(rows)]
    if case.lengths == "longest_first":
        # LengthGroupedSampler's effect on the allocator: the longest batch comes first.
        lengths.sort(reverse=True)
    return lengths


def length_note(case: Case, steps: int) -> str:
    """sequence_length_note in the words electron/cli/reference.ts reads (packed / mean / truncated / bucketed)."""
    if case.lengths == "packed":
        return f"packed to {case.seq_len} tokens"
    lengths = row_lengths(case, case.micro_batch * steps)
    mean = round(sum(lengths) / len(lengths))
    order = "length-bucketed batches, longest first" if case.lengths == "longest_first" else "shuffled batches"
    return (
        f"random lengths, padded per batch, truncated to max_seq_length {case.seq_len}, {order}; "
        f"mean ~{mean} tokens/sample"
    )


def record(case: Case, model: str, gpu: str, peaks: dict[str, float], steps: int = 3) -> dict:
    """One record in the reference format (counter: peak active bytes; the others in other_values)."""
    gib = 2**30
    return {
        "id": f"calibration-{case.id}",
        "category": "peak_memory",
        "value_kind": "measured",
        "model": model,
        "technique": case.technique,
        "peft_config": "r=16, all-linear" if case.technique != "full" else None,
        "precision": "pure bf16",
        "optimizer": "AdamW",
        "micro_batch_size": case.micro_batch,
        "gradient_accumulation_steps": 1,
        "sequence_length": case.seq_len,
        "sequence_length_note": length_note(case, steps),
        "gradient_checkpointing": case.gradient_checkpointing,
        "num_gpus": case.gpus,
        "gpu_type": gpu,
        "zero_stage": case.zero_stage,
        "offload": "activations to CPU" if case.activation_offload else "none",
        "other_settings": "+".join(
            s
            for s, on in (
                ("packed", case.lengths == "packed"),
                ("compile", case.compile),
                ("activation offloading", case.activation_offload),
                ("expandable segments", case.expandable),
            )
            if on
        ),
        "peak_gpu_mem_gib_normalized": peaks["active"] / gib,
        "memory_metric": "torch.cuda memory_stats active_bytes.all.peak",
        "other_values": {k: v / gib for k, v in peaks.items()},
        "source_url": "tests/calibration/measure_switches.py",
    }


def measure(case: Case, config_dir: str, steps: int) -> dict[str, float]:  # pragma: no cover - needs CUDA
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    torch.cuda.reset_peak_memory_stats()
    config = AutoConfig.from_pretrained(config_dir)
    model = AutoModelForCausalLM.from_config(config, torch_dtype=torch.bfloat16).cuda()
    if case.gradient_checkpointing:
        model.gradient_checkpointing_enable()
    if case.technique == "lora":
        from peft import LoraConfig, get_peft_model

        # The record's peft_config: "r=16, all-linear".
        model = get_peft_model(model, LoraConfig(r=16, lora_alpha=32, target_modules="all-linear"))
    if case.compile:
        model = torch.compile(model)
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-5)
    lengths = row_lengths(case, case.micro_batch * steps)
    first: dict[str, float] = {}
    for step in range(steps):
        # Packed: every row seq_len long. Unpacked: the batch padded to its longest row (DataCollatorWithPadding).
        batch = lengths[step * case.micro_batch : (step + 1) * case.micro_batch]
        width = case.seq_len if case.lengths == "packed" else max(batch)
        ids = torch.randint(0, config.vocab_size, (case.micro_batch, width), device="cuda")
        loss = model(input_ids=ids, labels=ids).loss
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        if step == 0:
            # The first step runs its forward and backward before AdamW has made its moments (Tuneplan's
            # firstStepActiveBytes): its own peak, then the later steps' (reserved never shrinks without empty_cache,
            # so its peak after the reset still holds the first step's).
            stats = torch.cuda.memory_stats()
            first = {"first_step_active": stats["active_bytes.all.peak"]}
            torch.cuda.reset_peak_memory_stats()
    stats = torch.cuda.memory_stats()
    return {
        "allocated": stats["allocated_bytes.all.peak"],
        "active": stats["active_bytes.all.peak"] if steps > 1 else first["first_step_active"],
        "reserved": stats["reserved_bytes.all.peak"],
        **first,
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="(dry run)")
    p.add_argument("--gpu", default="(dry run)")
    p.add_argument("--out", required=True)
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--only", default=None, help="comma-separated case ids")
    p.add_argument("--dry-run", action="store_true")
    a = p.parse_args(argv)
    cases = [c for c in CASES if a.only is None or c.id in a.only.split(",")]
    records = []
    for case in cases:
        if a.dry_run:
            peaks = {"allocated": 0.0, "active": 0.0, "reserved": 0.0}
        elif case.expandable and "expandable_segments:True" not in os.environ.get("PYTORCH_ALLOC_CONF", ""):
            # The allocator reads its settings once per process: run this case in a child process that has them.
            env = {**os.environ, "PYTORCH_ALLOC_CONF": "expandable_segments:True"}
            env["PYTORCH_CUDA_ALLOC_CONF"] = env["PYTORCH_ALLOC_CONF"]
            child = Path(a.out).with_suffix(f".{case.id}.json")
            argv_child = [sys.executable, __file__, "--model", a.model, "--gpu", a.gpu, "--steps", str(a.steps)]
            subprocess.run([*argv_child, "--only", case.id, "--out", str(child)], env=env, check=True)
            records += json.loads(child.read_text())["records"]
            continue
        elif case.gpus > 1 or case.technique == "qlora" or case.activation_offload:
            print(
                f"skip {case.id}: launch it with the stack that runs it "
                "(torchrun/accelerate, bitsandbytes, torchtune)"
            )
            continue
        else:  # pragma: no cover - needs CUDA
            peaks = measure(case, a.model, case.steps or a.steps)
        records.append(record(case, a.model, a.gpu, peaks, case.steps or a.steps))
    Path(a.out).write_text(json.dumps({"about": "tests/calibration/measure_switches.py", "records": records}, indent=1))
    print(f"wrote {len(records)} records to {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
