"""Write TRL 1.16's DPOConfig / GRPOConfig / KTOConfig as JSON (`to_json_string()`, as Trainer.save_model writes its
args beside training_args.bin), for Tuneplan's config importer to read the objective back (issue 19). No model, no
network; the configs are only constructed, which runs their own __post_init__ validation.

    /root/.cache/tuneplan/venv-probe/bin/python tests/python/fixtures_gen/save_trl_objective_configs.py
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import trl
from trl import DPOConfig, GRPOConfig, KTOConfig

OUT = Path(__file__).resolve().parents[2] / "fixtures" / "import-configs" / "generated" / "trainer"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        common = dict(
            output_dir=tmp,
            per_device_train_batch_size=4,
            gradient_accumulation_steps=2,
            report_to="none",
            use_cpu=True,
        )
        configs = {
            # IPO: DPOTrainer with loss_type ["ipo"] (trl/trainer/dpo_config.py loss_type), a precomputed reference.
            "dpo_config_ipo.json": DPOConfig(
                **common, loss_type=["ipo"], beta=0.2, precompute_ref_log_probs=True, max_length=1024
            ),
            "dpo_config.json": DPOConfig(**common, max_length=2048),
            "grpo_config.json": GRPOConfig(
                **common, num_generations=8, max_completion_length=256, beta=0.04, use_vllm=True, vllm_mode="colocate"
            ),
            "kto_config.json": KTOConfig(**common, beta=0.1),
        }
        for name, cfg in configs.items():
            (OUT / name).write_text(cfg.to_json_string().replace(tmp, "outputs/run"))
            print(name)
    print(f"trl {trl.__version__}")


if __name__ == "__main__":
    main()
