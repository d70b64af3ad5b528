/**
 * Counting tokens the way training does: the model's tokenizer.json through @huggingface/tokenizers (the
 * JS port of the Rust `tokenizers` pipeline that transformers' fast tokenizers run), and chat templates
 * through @huggingface/jinja with the variables transformers passes (tokenization_utils_base.py
 * `apply_chat_template`: the special tokens map — bos_token, eos_token, unk_token, pad_token,
 * additional_special_tokens — plus add_generation_prompt=False). The rendered conversation is tokenized
 * with add_special_tokens=False, as apply_chat_template(tokenize=True) does; plain text with them, as
 * `tokenizer(text)` in TRL's `_tokenize` does.
 *
 * Without a tokenizer, tokens are estimated from UTF-8 bytes: OpenAI's rule of thumb "one token ≈ 4
 * characters of English text" (help.openai.com, "What are tokens and how to count them?"), and a range
 * of 2.5–4.5 bytes per token to cover code, other languages and smaller vocabularies.
 */
import { Template } from '@huggingface/jinja';
import { Tokenizer } from '@huggingface/tokenizers';
import type { TokenizerInfo } from '../domain/data-stats';
import { EOS_PLACEHOLDER, type ChatMessage, type Sequence } from './shapes';

export interface TokenCounter {
  info: TokenizerInfo;
  /** Tokens of one sequence, at the point estimate. */
  count(sequence: Sequence): number;
  /** Multipliers for the low and high end of the range (1, 1 for an exact tokenizer). */
  rangeFactor: [number, number];
}

export interface TokenizerFiles {
  /** tokenizer.json, parsed. */
  tokenizer: Record<string, unknown>;
  /** tokenizer_config.json, parsed (holds the special tokens and usually the chat template). */
  config: Record<string, unknown>;
  /** chat_template.jinja when the model folder has one (transformers ≥ 4.43 saves the template there). */
  chatTemplate?: string;
  /** A display name: the folder's name or the tokenizer class; never a path. */
  name: string;
}

/** tokenizer_config.json stores a special token as a string or as a serialized AddedToken {content, ...}. */
function tokenText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { content?: unknown }).content === 'string')
    return (value as { content: string }).content;
  return null;
}

/** The template transformers picks: a string, or the "default" entry of a list of named templates. */
function pickTemplate(files: TokenizerFiles): string | null {
  if (files.chatTemplate) return files.chatTemplate;
  const t = files.config.chat_template;
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) {
    const named = t as { name?: string; template?: string }[];
    return (named.find((x) => x.name === 'default') ?? named[0])?.template ?? null;
  }
  return null;
}

export class TokenizerLoadError extends Error {}

export function tokenizerCounter(files: TokenizerFiles): TokenCounter {
  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(files.tokenizer, files.config);
  } catch (error) {
    throw new TokenizerLoadError(`tokenizer.json could not be loaded: ${(error as Error).message}`);
  }
  const special: Record<string, unknown> = {};
  for (const key of ['bos_token', 'eos_token', 'unk_token', 'pad_token', 'sep_token', 'cls_token', 'mask_token']) {
    const v = tokenText(files.config[key]);
    if (v !== null) special[key] = v;
  }
  const extra = files.config.additional_special_tokens;
  if (Array.isArray(extra)) special.additional_special_tokens = extra.map(tokenText).filter((t) => t !== null);
  const eos = (special.eos_token as string | undefined) ?? '';
  const source = pickTemplate(files);
  let template: Template | null = null;
  if (source) {
    try {
      template = new Template(source);
    } catch (error) {
      throw new TokenizerLoadError(`the chat template does not parse: ${(error as Error).message}`);
    }
  }
  const render = (messages: ChatMessage[]): string => {
    if (!template)
      throw new TokenizerLoadError(
        'this tokenizer has no chat template (tokenizer_config.json "chat_template" or chat_template.jinja), ' +
          "and the data is conversations: pick the instruct model's tokenizer",
      );
    return template.render({
      ...special,
      messages,
      // @huggingface/jinja's environment, like transformers', already defines raise_exception.
      add_generation_prompt: false,
    });
  };
  return {
    info: { kind: 'tokenizer', name: files.name.slice(0, 200), chatTemplate: template !== null },
    rangeFactor: [1, 1],
    count(sequence) {
      if (sequence.kind === 'chat')
        return tokenizer.encode(render(sequence.messages), { add_special_tokens: false }).ids.length;
      let text = sequence.text;
      if (text.endsWith(EOS_PLACEHOLDER)) {
        text = text.slice(0, -EOS_PLACEHOLDER.length);
        if (eos && !text.endsWith(eos)) text += eos;
      }
      return tokenizer.encode(text, { add_special_tokens: true }).ids.length;
    },
  };
}

/**
 * Tokens per message a chat template adds around the content
 * (Llama 3: <|start_header_id|>role<|end_header_id|>\n\n…<|eot_id|>).
 */
const TEMPLATE_TOKENS_PER_MESSAGE = 5;
const BYTES_PER_TOKEN = 4;
const BYTES_PER_TOKEN_RANGE: [number, number] = [2.5, 4.5];

const encoder = new TextEncoder();
function utf8Bytes(text: string): number {
  // Fast path for ASCII; TextEncoder for the rest.
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(text) ? text.length : encoder.encode(text).byteLength;
}

export function byteEstimateCounter(): TokenCounter {
  return {
    info: { kind: 'bytes', bytesPerToken: BYTES_PER_TOKEN, bytesPerTokenRange: BYTES_PER_TOKEN_RANGE },
    // More bytes per token → fewer tokens: the low end divides by 4.5, the high end by 2.5.
    rangeFactor: [BYTES_PER_TOKEN / BYTES_PER_TOKEN_RANGE[1], BYTES_PER_TOKEN / BYTES_PER_TOKEN_RANGE[0]],
    count(sequence) {
      if (sequence.kind === 'chat')
        return sequence.messages.reduce(
          (n, m) => n + Math.ceil(utf8Bytes(m.content) / BYTES_PER_TOKEN) + TEMPLATE_TOKENS_PER_MESSAGE,
          1,
        );
      const text = sequence.text.endsWith(EOS_PLACEHOLDER)
        ? sequence.text.slice(0, -EOS_PLACEHOLDER.length)
        : sequence.text;
      return Math.ceil(utf8Bytes(text) / BYTES_PER_TOKEN) + 2; // + BOS and EOS
    },
  };
}

/** A size proxy for a sequence (characters), used to extrapolate unsampled examples in the quick pass. */
export function sequenceChars(sequence: Sequence): number {
  if (sequence.kind === 'text') return sequence.text.length;
  let n = 0;
  for (const m of sequence.messages) n += m.content.length + m.role.length + 4;
  return n;
}
