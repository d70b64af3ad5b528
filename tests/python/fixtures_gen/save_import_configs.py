"""Writes the real-format config fixtures that `tuneplan import` reads (issue 18 item 5), with the libraries'
own writers: PEFT's `save_pretrained` (adapter_config.json), transformers' / TRL's `to_json_string`
(TrainingArguments / SFTConfig JSON), `torch.save` of TrainingArguments (training_args.bin, what the Trainer
writes), accelerate's `ClusterConfig.to_yaml_file` (accelerate config YAML) and `PretrainedConfig.save_pretrained`
with a bitsandbytes `quantization_config` (config.json of a 4-bit base). No model is downloaded: tiny random
models are built from configs.

Run: /root/.cache/tuneplan/venv-aab59b8693fe/bin/python tests/python/fixtures_gen/save_import_configs.py
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import accelerate
import peft
import torch
import transformers
import trl
from accelerate.commands.config.config_args import ClusterConfig
from peft import IA3Config, LoHaConfig, LoraConfig, PromptTuningConfig, get_peft_model
from transformers import AutoModelForCausalLM, BitsAndBytesConfig, LlamaConfig, TrainingArguments
from trl import SFTConfig

OUT = Path(__file__).resolve().parents[2] / "fixtures" / "import-configs" / "generated"


def tiny_llama(name_or_path: str):
    cfg = LlamaConfig(
        hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
        vocab_size=256,
    )
    model = AutoModelForCausalLM.from_config(cfg)
    # What from_pretrained(name_or_path) records; PEFT writes it as base_model_name_or_path.
    model.config._name_or_path = name_or_path
    model.name_or_path = name_or_path
    return model


def save_adapter(folder: str, base: str, config) -> None:
    model = get_peft_model(tiny_llama(base), config)
    with tempfile.TemporaryDirectory() as tmp:
        model.save_pretrained(tmp)
        dest = OUT / folder
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copy(Path(tmp) / "adapter_config.json", dest / "adapter_config.json")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    save_adapter(
        "peft-lora",
        "meta-llama/Llama-3.2-1B",
        LoraConfig(r=8, lora_alpha=16, lora_dropout=0.1, target_modules=["q_proj", "v_proj"], task_type="CAUSAL_LM"),
    )
    save_adapter(
        "peft-dora",
        "Qwen/Qwen2.5-0.5B",
        LoraConfig(
            r=32, lora_alpha=64, lora_dropout=0.05, target_modules="all-linear", use_dora=True, task_type="CAUSAL_LM"
        ),
    )
    save_adapter(
        "peft-ia3",
        "meta-llama/Llama-3.2-1B",
        IA3Config(
            target_modules=["k_proj", "v_proj", "down_proj"], feedforward_modules=["down_proj"], task_type="CAUSAL_LM"
        ),
    )
    save_adapter(
        "peft-prompt-tuning",
        "meta-llama/Llama-3.2-1B",
        PromptTuningConfig(num_virtual_tokens=24, task_type="CAUSAL_LM"),
    )
    save_adapter(
        "peft-loha",
        "meta-llama/Llama-3.2-1B",
        LoHaConfig(r=8, alpha=8, rank_dropout=0.0, target_modules=["q_proj", "v_proj"], task_type="CAUSAL_LM"),
    )

    # The config.json of a 4-bit base, as a quantized model's save_pretrained records its quantization_config.
    qcfg = LlamaConfig(
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        vocab_size=256,
    )
    qcfg.quantization_config = BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type="nf4",
        bnb_4bit_use_double_quant=True,
        bnb_4bit_compute_dtype=torch.bfloat16,
    ).to_dict()
    with tempfile.TemporaryDirectory() as tmp:
        qcfg.save_pretrained(tmp)
        (OUT / "base-4bit").mkdir(exist_ok=True)
        shutil.copy(Path(tmp) / "config.json", OUT / "base-4bit" / "config.json")

    (OUT / "trainer").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        ta = TrainingArguments(
            output_dir=tmp, per_device_train_batch_size=4, gradient_accumulation_steps=8, learning_rate=1e-4,
            num_train_epochs=2, bf16=True, gradient_checkpointing=True, optim="paged_adamw_8bit", report_to="none",
            use_cpu=True,
        )
        text = ta.to_json_string()
        (OUT / "trainer" / "training_args.json").write_text(text.replace(tmp, "outputs/run"))
        torch.save(ta, OUT / "trainer" / "training_args.bin")
        sft = SFTConfig(
            output_dir=tmp, per_device_train_batch_size=2, gradient_accumulation_steps=4, max_length=4096, packing=True,
            learning_rate=2e-4, num_train_epochs=1, optim="adamw_torch_fused", report_to="none", use_cpu=True,
        )
        (OUT / "trainer" / "sft_config.json").write_text(sft.to_json_string().replace(tmp, "outputs/run"))

    (OUT / "accelerate").mkdir(exist_ok=True)
    ClusterConfig(
        compute_environment="LOCAL_MACHINE", distributed_type="DEEPSPEED", mixed_precision="bf16", use_cpu=False,
        debug=False, num_processes=8, machine_rank=0, num_machines=1, main_training_function="main",
        deepspeed_config={"gradient_accumulation_steps": 4, "offload_optimizer_device": "cpu",
                          "offload_param_device": "none", "zero3_init_flag": False, "zero_stage": 2},
    ).to_yaml_file(OUT / "accelerate" / "deepspeed_zero2.yaml")
    ClusterConfig(
        compute_environment="LOCAL_MACHINE", distributed_type="FSDP", mixed_precision="bf16", use_cpu=False,
        debug=False, num_processes=16, machine_rank=0, num_machines=2, main_training_function="main",
        main_process_ip="10.0.0.1", main_process_port=29500,
        fsdp_config={"fsdp_sharding_strategy": "FULL_SHARD", "fsdp_offload_params": True,
                     "fsdp_auto_wrap_policy": "TRANSFORMER_BASED_WRAP", "fsdp_state_dict_type": "FULL_STATE_DICT",
                     "fsdp_version": 1},
    ).to_yaml_file(OUT / "accelerate" / "fsdp_2nodes.yaml")
    ClusterConfig(
        compute_environment="LOCAL_MACHINE", distributed_type="MULTI_GPU", mixed_precision="fp16", use_cpu=False,
        debug=False, num_processes=4, machine_rank=0, num_machines=1, main_training_function="main",
    ).to_yaml_file(OUT / "accelerate" / "multi_gpu.yaml")

    (OUT / "VERSIONS").write_text(
        f"peft {peft.__version__}\ntransformers {transformers.__version__}\ntrl {trl.__version__}\n"
        f"accelerate {accelerate.__version__}\ntorch {torch.__version__}\n"
    )


if __name__ == "__main__":
    main()
