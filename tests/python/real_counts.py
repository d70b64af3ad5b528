"""Parameter counts from the real transformers / PEFT classes, on the meta device (no weights, no memory).

Used by test_param_counts.py (compares them with `tuneplan model`) and by
fixtures_gen/save_configs.py (records them next to the saved config.json fixtures for the TS tests).
Each Tuneplan technique is mapped to the PEFT config Tuneplan's own export writes
(shared/exporters/training.ts, peftConfig), with the target modules Tuneplan resolved.
"""

from __future__ import annotations

import warnings
from typing import Any

import torch

# Families the transformers library ships a class for (phi3small is Hub-only remote code).
FAMILIES = ["llama", "mistral", "mixtral", "phi3", "phimoe", "qwen2", "gemma2"]


def make_config(config: dict[str, Any]):
    from transformers import AutoConfig

    fields = {k: v for k, v in config.items() if k not in ("model_type", "architectures", "transformers_version")}
    return AutoConfig.for_model(config["model_type"], **fields)


def meta_model(cfg):
    """The real *ForCausalLM class for this config, instantiated without weights."""
    from transformers import AutoModelForCausalLM

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with torch.device("meta"):
            return AutoModelForCausalLM.from_config(cfg)


def unique_params(model) -> list[tuple[str, torch.nn.Parameter]]:
    # named_parameters() already yields a tied weight once; keep it explicit.
    seen: set[int] = set()
    out = []
    for name, p in model.named_parameters():
        if id(p) not in seen:
            seen.add(id(p))
            out.append((name, p))
    return out


def total_params(model) -> int:
    return sum(p.numel() for _, p in unique_params(model))


def active_params(model, cfg) -> int:
    """Total minus the experts a token does not pass through, read from the module tree: every module
    whose class name ends in `Experts` (MixtralExperts, PhimoeExperts) holds tensors whose first
    dimension is the expert index; a token uses num_experts_per_tok of them."""
    total = total_params(model)
    k = getattr(cfg, "num_experts_per_tok", None)
    idle = 0
    for _, module in model.named_modules():
        if type(module).__name__.endswith("Experts"):
            for p in module.parameters(recurse=False):
                experts = p.shape[0]
                assert (p.numel() * (experts - k)) % experts == 0
                idle += p.numel() * (experts - k) // experts
    return total - idle


def peft_config(technique: dict[str, Any], target_modules: list[str], hidden_size: int, num_layers: int):
    """The PEFT config Tuneplan's Hugging Face export writes for this technique (training.ts peftConfig)."""
    import peft

    kind = technique["kind"]
    targets: Any = "all-linear" if technique["targets"] == "all-linear" else target_modules
    if kind in ("lora", "qlora", "dora", "lora_fa"):
        return peft.LoraConfig(
            r=technique["rank"],
            lora_alpha=technique["alpha"],
            lora_dropout=technique["dropout"],
            target_modules=targets,
            use_dora=kind == "dora",
            bias="none",
            task_type="CAUSAL_LM",
        )
    if kind == "loha":
        return peft.LoHaConfig(
            r=technique["rank"],
            alpha=technique["alpha"],
            rank_dropout=technique["dropout"],
            target_modules=targets,
            task_type="CAUSAL_LM",
        )
    if kind == "vera":
        return peft.VeraConfig(
            r=technique["rank"], vera_dropout=technique["dropout"], target_modules=target_modules, task_type="CAUSAL_LM"
        )
    if kind == "ia3":
        # `feedforwardModules` from `tuneplan model` (the down projection under each family's name).
        ff = technique.get("feedforwardModules") or [n for n in target_modules if n in ("down_proj", "w2")]
        return peft.IA3Config(target_modules=target_modules, feedforward_modules=ff, task_type="CAUSAL_LM")
    if kind == "prompt_tuning":
        return peft.PromptTuningConfig(num_virtual_tokens=technique["virtualTokens"], task_type="CAUSAL_LM")
    if kind == "prefix_tuning":
        return peft.PrefixTuningConfig(
            num_virtual_tokens=technique["virtualTokens"], prefix_projection=False, task_type="CAUSAL_LM"
        )
    if kind == "p_tuning":
        return peft.PromptEncoderConfig(
            num_virtual_tokens=technique["virtualTokens"], encoder_hidden_size=hidden_size, task_type="CAUSAL_LM"
        )
    if kind == "ln_tuning":
        # `lnTargets`: the names Tuneplan tells the user to pass where PEFT has no default for the model type.
        return peft.LNTuningConfig(target_modules=technique.get("lnTargets"), task_type="CAUSAL_LM")
    if kind == "adaption_prompt":
        return peft.AdaptionPromptConfig(
            adapter_len=technique["virtualTokens"], adapter_layers=num_layers, task_type="CAUSAL_LM"
        )
    raise ValueError(f"no PEFT config for technique kind {kind!r}")


def trainable_params(cfg, technique: dict[str, Any], target_modules: list[str]) -> dict[str, int]:
    """Trainable and all parameters of a fresh meta model with this technique applied.

    Full fine-tuning: every parameter, less the input embedding and output head when they are frozen.
    LoRA-FA: PEFT builds plain LoRA and peft.optimizers.create_lorafa_optimizer freezes A, so only the
    lora_B weights train (the added count keeps both)."""
    model = meta_model(cfg)
    if technique["kind"] == "full":
        total = total_params(model)
        frozen = 0
        if technique.get("freezeEmbeddings"):
            heads = {id(model.get_input_embeddings().weight)}
            out = model.get_output_embeddings()
            if out is not None:
                heads.add(id(out.weight))
                if getattr(out, "bias", None) is not None:
                    heads.add(id(out.bias))
            frozen = sum(p.numel() for _, p in unique_params(model) if id(p) in heads)
        return {"trainable": total - frozen, "all": total}
    import peft

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pm = peft.get_peft_model(
            model, peft_config(technique, target_modules, cfg.hidden_size, cfg.num_hidden_layers)
        )
    trainable, all_params = pm.get_nb_trainable_parameters()
    if technique["kind"] == "lora_fa":
        trainable = sum(p.numel() for n, p in pm.named_parameters() if ".lora_B." in n)
    return {"trainable": int(trainable), "all": int(all_params)}
