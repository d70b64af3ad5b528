"""Write real Trainer / SFTTrainer / DPOTrainer output files as fixtures for Tuneplan's run importer.

Run with the project's probe venv (torch CPU, transformers, trl, datasets); no network, no Hub:

    /root/.cache/tuneplan/venv-probe/bin/python tests/python/fixtures_gen/generate_trainer_outputs.py

It builds a tiny random LlamaForCausalLM from a scaled-down config (save_pretrained, then from_pretrained)
and a character-level WordLevel tokenizer in code, trains a few steps of each trainer with logging_steps=1,
evaluation, a mid-run checkpoint and `include_num_input_tokens_seen`, and copies the files the libraries
wrote (trainer_state.json, train_results.json, all_results.json, eval_results.json,
checkpoint-*/trainer_state.json) into

    tests/fixtures/runs/transformers-<v>_trl-<v>/<trainer>/

with a VERSIONS.txt. Files are copied byte for byte: the importer must read exactly what the library wrote.

The `nan` trainer is the plain Trainer with a learning rate so large that the weights overflow and
`logging_nan_inf_filter=False` (transformers' default filter would replace a NaN/Inf logging loss by the
running mean: TrainingArguments.logging_nan_inf_filter). TrainerState.save_to_json uses
`json.dumps(..., indent=2, sort_keys=True)` whose default allow_nan=True writes the bare tokens NaN /
Infinity that strict JSON parsers refuse.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("WANDB_DISABLED", "true")

import datasets  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
import trl  # noqa: E402
from tokenizers import Tokenizer, models, pre_tokenizers  # noqa: E402
from transformers import (  # noqa: E402
    DataCollatorForLanguageModeling,
    LlamaConfig,
    LlamaForCausalLM,
    PreTrainedTokenizerFast,
    Trainer,
    TrainingArguments,
)

REPO = Path(__file__).resolve().parents[3]
OUT_ROOT = REPO / "tests" / "fixtures" / "runs"
COPIED = ["trainer_state.json", "train_results.json", "all_results.json", "eval_results.json", "trainer_log.jsonl"]
MAX_STEPS = 6
SAVE_STEPS = 3  # one mid-run checkpoint: checkpoint-3/trainer_state.json has global_step 3 < max_steps 6

TEXTS = [
    "the quick brown fox jumps over the lazy dog",
    "a tiny model learns a tiny language",
    "fine tuning plans need memory and time",
    "loss goes down when the model learns",
    "tokens per second measure throughput",
    "checkpoints save the trainer state",
    "evaluation loss is logged at eval steps",
    "learning rate warms up then decays",
]


def build_tokenizer(workdir: Path) -> PreTrainedTokenizerFast:
    """Character-level WordLevel tokenizer built in code (no download)."""
    specials = ["<pad>", "<unk>", "<s>", "</s>"]
    chars = sorted({c for t in TEXTS + ["question answer yes no ?:."] for c in t})
    vocab = {tok: i for i, tok in enumerate(specials + chars)}
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Split(pattern="", behavior="isolated")
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, pad_token="<pad>", unk_token="<unk>", bos_token="<s>", eos_token="</s>"
    )
    fast.save_pretrained(workdir / "tokenizer")
    return PreTrainedTokenizerFast.from_pretrained(workdir / "tokenizer")


def build_model(workdir: Path, tokenizer: PreTrainedTokenizerFast) -> Path:
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=128,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    path = workdir / "tiny-llama"
    LlamaForCausalLM(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def common_args() -> dict:
    return dict(
        max_steps=MAX_STEPS,
        per_device_train_batch_size=2,
        per_device_eval_batch_size=2,
        logging_steps=1,
        eval_strategy="steps",
        eval_steps=2,
        save_strategy="steps",
        save_steps=SAVE_STEPS,
        report_to="none",
        use_cpu=True,
        seed=0,
        include_num_input_tokens_seen=True,
        disable_tqdm=True,
    )


def finish(trainer, out_dir: Path) -> None:
    """What run_clm.py / LLaMA-Factory / TRL examples do after training: save metrics and state."""
    train_result = trainer.train()
    metrics = train_result.metrics
    trainer.log_metrics("train", metrics)
    trainer.save_metrics("train", metrics)  # train_results.json + all_results.json
    trainer.save_state()  # trainer_state.json in output_dir
    eval_metrics = trainer.evaluate()
    trainer.log_metrics("eval", eval_metrics)
    trainer.save_metrics("eval", eval_metrics)  # eval_results.json, merged into all_results.json


def copy_outputs(run_dir: Path, dest: Path) -> list[str]:
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    written = []
    for name in COPIED:
        src = run_dir / name
        if src.exists():
            shutil.copyfile(src, dest / name)
            written.append(name)
    for ckpt in sorted(run_dir.glob("checkpoint-*")):
        state = ckpt / "trainer_state.json"
        if state.exists() and ckpt.name != f"checkpoint-{MAX_STEPS}":
            (dest / ckpt.name).mkdir()
            shutil.copyfile(state, dest / ckpt.name / "trainer_state.json")
            written.append(f"{ckpt.name}/trainer_state.json")
    return written


def run_trainer(model_path: Path, tokenizer, run_dir: Path, nan: bool = False) -> None:
    model = LlamaForCausalLM.from_pretrained(model_path)

    def encode(batch):
        return tokenizer(batch["text"], truncation=True, max_length=48)

    ds = datasets.Dataset.from_dict({"text": TEXTS}).map(encode, batched=True, remove_columns=["text"])
    extra = {}
    if nan:
        # Overflow the weights so the logged loss and grad_norm become NaN/Inf; no clipping, no filter.
        extra = dict(learning_rate=1e30, max_grad_norm=0.0, logging_nan_inf_filter=False, warmup_steps=0)
    args = TrainingArguments(output_dir=str(run_dir), **common_args(), **extra)
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=ds,
        eval_dataset=ds.select(range(4)),
        data_collator=DataCollatorForLanguageModeling(tokenizer, mlm=False),
    )
    finish(trainer, run_dir)


class LlamaFactoryLogCallback(transformers.TrainerCallback):
    """The trainer_log.jsonl writer of LLaMA-Factory's LogCallback, copied from
    hiyouga/LLaMA-Factory src/llamafactory/train/callbacks.py @ ff6d4d12eeb035d6ce06805a5733dd7b29f2ac30
    (_reset L199-204, _timing L206-213, _write_log L215-217, on_train_end L245-247, on_log L271-317; TRAINER_LOG =
    "trainer_log.jsonl" in src/llamafactory/extras/constants.py L121). Only the web-UI logging, the
    RECORD_VRAM branch (off by default) and the one-worker thread pool (which keeps line order) are left out,
    so the file has exactly the keys and value formats LLaMA-Factory writes. Importing llamafactory itself
    would pull in its whole dependency tree (gradio, peft versions, ...) for these lines.
    """

    def __init__(self) -> None:
        self.start_time = 0.0
        self.cur_steps = 0
        self.max_steps = 0
        self.elapsed_time = ""
        self.remaining_time = ""
        self.writing = False

    def _timing(self, cur_steps: int) -> None:
        import time
        from datetime import timedelta

        cur_time = time.time()
        elapsed_time = cur_time - self.start_time
        avg_time_per_step = elapsed_time / cur_steps if cur_steps != 0 else 0
        remaining_time = (self.max_steps - cur_steps) * avg_time_per_step
        self.cur_steps = cur_steps
        self.elapsed_time = str(timedelta(seconds=int(elapsed_time)))
        self.remaining_time = str(timedelta(seconds=int(remaining_time)))

    def on_train_begin(self, args, state, control, **kwargs):
        import time

        self.start_time = time.time()
        self.cur_steps = 0
        self.max_steps = state.max_steps
        self.writing = True

    def on_train_end(self, args, state, control, **kwargs):
        # LogCallback.on_train_end closes its thread pool (L245-247), so the evaluate() after training
        # logs nothing to trainer_log.jsonl; the train summary log comes before on_train_end.
        self.writing = False

    def on_log(self, args, state, control, **kwargs):
        import time

        if not args.should_save or not self.writing:
            return
        self._timing(cur_steps=state.global_step)
        logs = dict(
            current_steps=self.cur_steps,
            total_steps=self.max_steps,
            loss=state.log_history[-1].get("loss"),
            eval_loss=state.log_history[-1].get("eval_loss"),
            predict_loss=state.log_history[-1].get("predict_loss"),
            reward=state.log_history[-1].get("reward"),
            accuracy=state.log_history[-1].get("rewards/accuracies"),
            lr=state.log_history[-1].get("learning_rate"),
            epoch=state.log_history[-1].get("epoch"),
            percentage=round(self.cur_steps / self.max_steps * 100, 2) if self.max_steps != 0 else 100,
            elapsed_time=self.elapsed_time,
            remaining_time=self.remaining_time,
        )
        if state.num_input_tokens_seen:
            logs["throughput"] = round(state.num_input_tokens_seen / (time.time() - self.start_time), 2)
            logs["total_tokens"] = state.num_input_tokens_seen
        logs = {k: v for k, v in logs.items() if v is not None}
        os.makedirs(args.output_dir, exist_ok=True)
        with open(os.path.join(args.output_dir, "trainer_log.jsonl"), "a", encoding="utf-8") as f:
            f.write(json.dumps(logs) + "\n")


def run_llama_factory(model_path: Path, tokenizer, run_dir: Path) -> None:
    """LLaMA-Factory's SFT workflow is the plain transformers Trainer (Seq2SeqTrainer subclass) plus LogCallback."""
    model = LlamaForCausalLM.from_pretrained(model_path)

    def encode(batch):
        return tokenizer(batch["text"], truncation=True, max_length=48)

    ds = datasets.Dataset.from_dict({"text": TEXTS}).map(encode, batched=True, remove_columns=["text"])
    args = TrainingArguments(output_dir=str(run_dir), **common_args())
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=ds,
        eval_dataset=ds.select(range(4)),
        data_collator=DataCollatorForLanguageModeling(tokenizer, mlm=False),
        callbacks=[LlamaFactoryLogCallback()],
    )
    finish(trainer, run_dir)


def run_sft(model_path: Path, tokenizer, run_dir: Path) -> None:
    from trl import SFTConfig, SFTTrainer

    ds = datasets.Dataset.from_dict({"text": TEXTS})
    args = SFTConfig(output_dir=str(run_dir), max_length=48, **common_args())
    trainer = SFTTrainer(
        model=str(model_path),
        args=args,
        train_dataset=ds,
        eval_dataset=ds.select(range(4)),
        processing_class=tokenizer,
    )
    finish(trainer, run_dir)


def run_dpo(model_path: Path, tokenizer, run_dir: Path) -> None:
    from trl import DPOConfig, DPOTrainer

    rows = [
        {"prompt": f"question {t[:12]}?", "chosen": f" answer {t[12:30]}.", "rejected": " no."} for t in TEXTS
    ]
    ds = datasets.Dataset.from_list(rows)
    kwargs = dict(common_args())
    cfg_fields = set(DPOConfig.__dataclass_fields__)
    if "max_length" in cfg_fields:
        kwargs["max_length"] = 64
    if "max_prompt_length" in cfg_fields:
        kwargs["max_prompt_length"] = 32
    args = DPOConfig(output_dir=str(run_dir), **kwargs)
    model = LlamaForCausalLM.from_pretrained(model_path)
    trainer = DPOTrainer(
        model=model,
        args=args,
        train_dataset=ds,
        eval_dataset=ds.select(range(4)),
        processing_class=tokenizer,
    )
    finish(trainer, run_dir)


def reward_length(completions, **kwargs):
    """A trivial rule-based reward (the kind TRL's docs show as `reward_len`): shorter completions score higher.
    GRPOTrainer names its metrics after the function: `rewards/reward_length/mean`, `rewards/reward_length/std`."""
    return [-abs(8 - len(c)) / 8.0 for c in completions]


def run_grpo(model_path: Path, tokenizer, run_dir: Path) -> None:
    """TRL's GRPOTrainer with generation by transformers (use_vllm=False, TRL's default), beta=0.04 so a reference
    model is loaded and `kl` is logged (GRPOConfig.beta defaults to 0.0 in TRL 1.x: no reference, no `kl` key:
    trl/trainer/grpo_trainer.py `if self.beta != 0.0: ... self._metrics[mode]["kl"]`), and an evaluation every 2
    steps so the `eval_reward` / `eval_completions/*` keys appear too."""
    from trl import GRPOConfig, GRPOTrainer

    # Generation passes every tokenizer output to generate(); transformers 4.57 refuses the token_type_ids a bare
    # PreTrainedTokenizerFast returns, so name the inputs as Llama's own tokenizer does (LlamaTokenizerFast
    # model_input_names = ["input_ids", "attention_mask"]).
    tokenizer = PreTrainedTokenizerFast.from_pretrained(model_path, model_input_names=["input_ids", "attention_mask"])
    ds = datasets.Dataset.from_list([{"prompt": f"question {t[:16]}?"} for t in TEXTS])
    kwargs = dict(common_args())
    # 4 completions per prompt; the generation batch (per_device_train_batch_size * steps_per_generation = 4 * 1)
    # and the eval batch (4) divide by num_generations, as GRPOConfig.__post_init__ requires.
    kwargs.update(per_device_train_batch_size=4, per_device_eval_batch_size=4)
    args = GRPOConfig(
        output_dir=str(run_dir),
        num_generations=4,
        max_completion_length=12,
        beta=0.04,
        use_vllm=False,
        **kwargs,
    )
    trainer = GRPOTrainer(
        model=str(model_path),
        reward_funcs=reward_length,
        args=args,
        train_dataset=ds,
        eval_dataset=ds.select(range(4)),
        processing_class=tokenizer,
    )
    finish(trainer, run_dir)


def main() -> int:
    only = set(sys.argv[1:])
    label = f"transformers-{transformers.__version__}_trl-{trl.__version__}"
    out = OUT_ROOT / label
    out.mkdir(parents=True, exist_ok=True)
    versions = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "trl": trl.__version__,
        "datasets": datasets.__version__,
    }
    try:
        import accelerate

        versions["accelerate"] = accelerate.__version__
    except ImportError:
        pass
    runs = {
        "trainer": run_trainer, "sft": run_sft, "dpo": run_dpo, "nan": lambda m, t, d: run_trainer(m, t, d, True),
        "llama-factory": run_llama_factory, "grpo": run_grpo,
    }
    report = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        tokenizer = build_tokenizer(work)
        model_path = build_model(work, tokenizer)
        for name, fn in runs.items():
            if only and name not in only:
                continue
            run_dir = work / f"run-{name}"
            try:
                fn(model_path, tokenizer, run_dir)
            except Exception as error:  # keep the others: one trainer's API change must not lose the rest
                report[name] = f"FAILED: {type(error).__name__}: {error}"
                print(f"{name}: {report[name]}", file=sys.stderr)
                continue
            report[name] = ", ".join(copy_outputs(run_dir, out / name))
            print(f"{name}: {report[name]}")
    lines = [f"{k}=={v}" for k, v in versions.items()]
    lines += ["", "Written by tests/python/fixtures_gen/generate_trainer_outputs.py (tiny random Llama, CPU)."]
    for d in sorted(p for p in out.iterdir() if p.is_dir()):
        if not report.get(d.name, "").startswith("FAILED"):
            lines.append(f"{d.name}: " + ", ".join(str(f.relative_to(d)) for f in sorted(d.rglob("*")) if f.is_file()))
    lines += [f"{k}: {v}" for k, v in report.items() if v.startswith("FAILED")]
    (out / "VERSIONS.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    # Sanity: the NaN run must really hold bare NaN/Infinity tokens, or it proves nothing.
    nan_state = out / "nan" / "trainer_state.json"
    if nan_state.exists():
        text = nan_state.read_text(encoding="utf-8")
        if "NaN" not in text and "Infinity" not in text:
            print("warning: nan/trainer_state.json holds no NaN/Infinity", file=sys.stderr)
        json.loads(text)  # Python's own reader accepts them
    return 1 if any(v.startswith("FAILED") for v in report.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
