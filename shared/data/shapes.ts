/**
 * Dataset shapes → the token sequences a trainer builds from one record. The rules follow TRL 1.16
 * (trl/trainer/sft_trainer.py `_prepare_dataset`, trl/trainer/dpo_trainer.py `_prepare_dataset`,
 * trl/data_utils.py `maybe_convert_to_chatml`), the trainers Tuneplan's exports run:
 * - text: `text + eos` (add_eos, unless it already ends with it), tokenized with the special tokens;
 * - messages: the chat template over the conversation (add_generation_prompt=False), no extra specials;
 * - prompt/completion: `prompt + completion (+ eos)` as text, or the template over prompt + completion
 *   messages when both are conversations;
 * - preference (DPO): prompt+chosen and prompt+rejected, the same two ways — two sequences per example;
 * - Alpaca (instruction/input/output): not a TRL shape; rendered with the Stanford Alpaca prompt
 *   (github.com/tatsu-lab/stanford_alpaca train.py PROMPT_DICT) as prompt, `output` as completion;
 * - ShareGPT (conversations of from/value): converted to messages like maybe_convert_to_chatml, with the
 *   ShareGPT role names human/gpt mapped to user/assistant as LLaMA-Factory's sharegpt converter does
 *   (src/llamafactory/data/converter.py; TRL keeps them verbatim, which most chat templates skip or reject).
 */
import type { DataShape, FieldMapping } from '../domain/data-stats';

export interface ChatMessage {
  role: string;
  content: string;
}
export type Sequence = { kind: 'text'; text: string } | { kind: 'chat'; messages: ChatMessage[] };

export interface ShapeRule {
  shape: DataShape;
  /** The sequences of one record, or a reason it is skipped (a field missing or of the wrong type). */
  toSequences(record: Record<string, unknown>): Sequence[] | string;
}

const ALPACA_WITH_INPUT =
  'Below is an instruction that describes a task, paired with an input that provides further context. ' +
  'Write a response that appropriately completes the request.\n\n' +
  '### Instruction:\n{instruction}\n\n### Input:\n{input}\n\n### Response:\n';
const ALPACA_NO_INPUT =
  'Below is an instruction that describes a task. ' +
  'Write a response that appropriately completes the request.\n\n' +
  '### Instruction:\n{instruction}\n\n### Response:\n';

const SHAREGPT_ROLES: Record<string, string> = {
  human: 'user',
  user: 'user',
  gpt: 'assistant',
  assistant: 'assistant',
  system: 'system',
  observation: 'tool',
  function_call: 'assistant',
  tool: 'tool',
};

/** A column that holds JSON text (CSV cells, some Parquet exports) is parsed when it looks like a list. */
function maybeJson(value: unknown): unknown {
  if (typeof value === 'string' && /^\s*\[/.test(value)) {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return value;
    }
  }
  return value;
}

function asMessages(value: unknown, field: string): ChatMessage[] | string {
  const list = maybeJson(value);
  if (!Array.isArray(list)) return `"${field}" is not a list of messages`;
  const out: ChatMessage[] = [];
  for (const [i, m] of list.entries()) {
    if (!m || typeof m !== 'object') return `"${field}[${i}]" is not a message object`;
    const msg = m as Record<string, unknown>;
    if ('from' in msg || 'value' in msg) {
      const from = typeof msg.from === 'string' ? msg.from : '';
      out.push({ role: SHAREGPT_ROLES[from] ?? from, content: stringOf(msg.value) });
    } else {
      if (typeof msg.role !== 'string') return `"${field}[${i}].role" is missing`;
      out.push({ role: msg.role, content: stringOf(msg.content) });
    }
  }
  if (out.length === 0) return `"${field}" is an empty conversation`;
  return out;
}

/** Multimodal content parts ([{type:'text', text}]) count their text parts. */
function stringOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  if (Array.isArray(value))
    return value
      .map((p) =>
        p && typeof p === 'object' && typeof (p as { text?: unknown }).text === 'string'
          ? (p as { text: string }).text
          : '',
      )
      .join('');
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value) ?? '';
}

function isConversation(value: unknown): boolean {
  const v = maybeJson(value);
  return Array.isArray(v) && v.length > 0 && typeof v[0] === 'object' && v[0] !== null;
}

const EOS = '\u0000eos\u0000'; // placeholder: the counter replaces it with the tokenizer's eos_token

/** `text + eos` unless the text already ends with the eos token (TRL add_eos). */
export function withEos(text: string): Sequence {
  return { kind: 'text', text: text + EOS };
}
export const EOS_PLACEHOLDER = EOS;

function textField(record: Record<string, unknown>, field: string): string | null {
  const v = record[field];
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return null;
}

function promptCompletion(prompt: unknown, completion: unknown, pf: string, cf: string): Sequence | string {
  if (isConversation(prompt) && isConversation(completion)) {
    const p = asMessages(prompt, pf);
    const c = asMessages(completion, cf);
    if (typeof p === 'string') return p;
    if (typeof c === 'string') return c;
    return { kind: 'chat', messages: [...p, ...c] };
  }
  if (typeof prompt !== 'string') return `"${pf}" is not text`;
  if (typeof completion !== 'string') return `"${cf}" is not text`;
  return withEos(prompt + completion);
}

export const SHAPE_RULES: Record<Exclude<DataShape, 'mapped'>, ShapeRule> = {
  preference: {
    shape: 'preference',
    toSequences(r) {
      if (!('prompt' in r)) {
        // Implicit prompt: chosen and rejected are whole conversations (TRL extract_prompt).
        const c = asMessages(r.chosen, 'chosen');
        const j = asMessages(r.rejected, 'rejected');
        if (typeof c === 'string') return c;
        if (typeof j === 'string') return j;
        return [
          { kind: 'chat', messages: c },
          { kind: 'chat', messages: j },
        ];
      }
      const a = promptCompletion(r.prompt, r.chosen, 'prompt', 'chosen');
      const b = promptCompletion(r.prompt, r.rejected, 'prompt', 'rejected');
      if (typeof a === 'string') return a;
      if (typeof b === 'string') return b;
      return [a, b];
    },
  },
  messages: {
    shape: 'messages',
    toSequences(r) {
      const m = asMessages(r.messages, 'messages');
      return typeof m === 'string' ? m : [{ kind: 'chat', messages: m }];
    },
  },
  sharegpt: {
    shape: 'sharegpt',
    toSequences(r) {
      const m = asMessages(r.conversations, 'conversations');
      return typeof m === 'string' ? m : [{ kind: 'chat', messages: m }];
    },
  },
  prompt_completion: {
    shape: 'prompt_completion',
    toSequences(r) {
      const s = promptCompletion(r.prompt, r.completion, 'prompt', 'completion');
      return typeof s === 'string' ? s : [s];
    },
  },
  alpaca: {
    shape: 'alpaca',
    toSequences(r) {
      const instruction = textField(r, 'instruction');
      const output = textField(r, 'output');
      if (instruction === null) return '"instruction" is not text';
      if (output === null) return '"output" is not text';
      const input = textField(r, 'input') ?? '';
      const prompt = (input ? ALPACA_WITH_INPUT : ALPACA_NO_INPUT)
        .replace('{instruction}', instruction)
        .replace('{input}', input);
      return [withEos(prompt + output)];
    },
  },
  text: {
    shape: 'text',
    toSequences(r) {
      const t = textField(r, 'text');
      return t === null ? '"text" is not text' : [withEos(t)];
    },
  },
};

/** The first rule whose fields the record has, in TRL's order of precedence (preference before prompt). */
export function detectShape(record: unknown): ShapeRule | null {
  if (!record || typeof record !== 'object' || Array.isArray(record)) return null;
  const r = record as Record<string, unknown>;
  if ('chosen' in r && 'rejected' in r) return SHAPE_RULES.preference;
  if ('messages' in r) return SHAPE_RULES.messages;
  if ('conversations' in r) return SHAPE_RULES.sharegpt;
  if ('prompt' in r && 'completion' in r) return SHAPE_RULES.prompt_completion;
  if ('instruction' in r && 'output' in r) return SHAPE_RULES.alpaca;
  if ('text' in r) return SHAPE_RULES.text;
  return null;
}

/** A user's mapping of their own column names onto text, messages or prompt/completion. */
export function mappedRule(mapping: FieldMapping): ShapeRule {
  return {
    shape: 'mapped',
    toSequences(r) {
      if (mapping.messages) {
        const m = asMessages(r[mapping.messages], mapping.messages);
        return typeof m === 'string' ? m : [{ kind: 'chat', messages: m }];
      }
      if (mapping.prompt && mapping.completion) {
        const s = promptCompletion(r[mapping.prompt], r[mapping.completion], mapping.prompt, mapping.completion);
        return typeof s === 'string' ? s : [s];
      }
      const t = textField(r, mapping.text!);
      return t === null ? `"${mapping.text}" is not text` : [withEos(t)];
    },
  };
}

/** The message for data whose shape is not recognised: the fields found and how to map them. */
export class UnknownShapeError extends Error {
  constructor(readonly fields: string[]) {
    super(
      "The records' shape is not recognised. Fields found: " +
        (fields.length ? fields.map((f) => `"${f}"`).join(', ') : 'none (not JSON objects)') +
        '. Expected one of: text; messages; prompt + completion; instruction + output (Alpaca); ' +
        'conversations (ShareGPT); prompt + chosen + rejected. ' +
        'Map your fields: --text FIELD, --messages FIELD, or --prompt FIELD --completion FIELD ' +
        '(in the app: the field mapping under the file).',
    );
  }
}
