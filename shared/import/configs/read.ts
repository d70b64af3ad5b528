/**
 * One imported file → its reading: the format is recognised from the content (file names vary: ds_z3_config.json,
 * qlora-1b.yml, 8B_lora.yaml), then its reader turns it into plan facts. `training_args.bin` is refused: it is a
 * pickle (transformers Trainer._save: `torch.save(self.args, TRAINING_ARGS_NAME)`), and unpickling runs code.
 */
import { parse as parseYaml } from 'yaml';
import { stripBom } from '../../text';
import { looksLikeAccelerate, readAccelerateConfig } from './accelerate';
import { looksLikeAxolotl, readAxolotlConfig } from './axolotl';
import { looksLikeDeepSpeed, readDeepSpeedConfig } from './deepspeed';
import { ConfigImportError, CONFIG_FORMAT_LABELS, isObject, type ConfigFormat, type ConfigReading } from './facts';
import { looksLikeHfConfig, readModelConfig } from './hf-config';
import { looksLikeLlamaFactory, readLlamaFactoryConfig } from './llama-factory';
import { looksLikePeftAdapter, readPeftAdapterConfig } from './peft-adapter';
import { looksLikeTorchtune, readTorchtuneConfig } from './torchtune';
import { looksLikeTrainingArgs, readTrainingArgs } from './training-args';

export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;

export const ACCEPTED_CONFIGS = `Tuneplan imports ${Object.values(CONFIG_FORMAT_LABELS).join(', ')}.`;

export const PICKLE_MESSAGE =
  'is a Python pickle (the Trainer saves TrainingArguments with torch.save), and reading a pickle runs code ' +
  'from the file, so Tuneplan does not open it. Save the arguments as JSON instead, e.g. `python -c "import ' +
  "torch; print(torch.load('training_args.bin', weights_only=False).to_json_string())\" > training_args.json` " +
  '(on a machine you trust), or `args.to_json_string()` in your script, and import that.';

/** A torch.save zip (PK\x03\x04 with a data.pkl member) or a raw pickle (protocol 2+ starts with 0x80). */
export function isPickle(bytes: Uint8Array): boolean {
  if (bytes[0] === 0x80 && bytes[1] !== undefined && bytes[1] >= 2 && bytes[1] <= 5) return true;
  if (bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) {
    const head = new TextDecoder('latin1').decode(bytes.subarray(0, 4096));
    return /data\.pkl/.test(head);
  }
  return false;
}

function detect(doc: Record<string, unknown>, yaml: boolean): ConfigFormat | null {
  if (looksLikePeftAdapter(doc)) return 'peft';
  if (looksLikeTorchtune(doc)) return 'torchtune';
  if (looksLikeAccelerate(doc)) return 'accelerate';
  if (looksLikeAxolotl(doc)) return 'axolotl';
  if (looksLikeLlamaFactory(doc)) return 'llama-factory';
  if (!yaml && looksLikeDeepSpeed(doc)) return 'deepspeed';
  if (looksLikeTrainingArgs(doc)) return 'training-args';
  if (!yaml && looksLikeHfConfig(doc)) return 'hf-config';
  return null;
}

/** Reads one file (its name for messages, its text). Throws ConfigImportError naming the file and the fix. */
export function readConfigFile(name: string, content: string | Uint8Array): ConfigReading {
  const bytes = typeof content === 'string' ? null : content;
  if (bytes && isPickle(bytes)) throw new ConfigImportError(`${name} ${PICKLE_MESSAGE}`);
  const text = stripBom(bytes ? new TextDecoder('utf-8').decode(bytes) : (content as string));
  if (text.length > MAX_CONFIG_FILE_BYTES)
    throw new ConfigImportError(
      `${name} is larger than 1 MB; a training config is a few kilobytes. Is it the right file?`,
    );
  const trimmed = text.trimStart();
  let doc: unknown;
  let yaml = false;
  if (trimmed.startsWith('{')) {
    try {
      doc = JSON.parse(text);
    } catch (e) {
      throw new ConfigImportError(`${name} is not valid JSON (${(e as Error).message}).`);
    }
  } else {
    yaml = true;
    try {
      doc = parseYaml(text, { maxAliasCount: 100 });
    } catch (e) {
      throw new ConfigImportError(`${name} is neither JSON nor valid YAML (${(e as Error).message.split('\n')[0]}).`);
    }
  }
  if (!isObject(doc)) throw new ConfigImportError(`${name} holds no mapping of settings. ${ACCEPTED_CONFIGS}`);
  const format = detect(doc, yaml);
  switch (format) {
    case 'peft':
      return readPeftAdapterConfig(doc, name);
    case 'torchtune':
      return readTorchtuneConfig(doc, name, text);
    case 'accelerate':
      return readAccelerateConfig(doc, name);
    case 'axolotl':
      return readAxolotlConfig(doc, name);
    case 'llama-factory':
      return readLlamaFactoryConfig(doc, name);
    case 'deepspeed':
      return readDeepSpeedConfig(doc, name);
    case 'training-args':
      return readTrainingArgs(doc, name);
    case 'hf-config':
      return readModelConfig(doc, name);
    case null:
      throw new ConfigImportError(`${name}: not a training config Tuneplan recognises. ${ACCEPTED_CONFIGS}`);
  }
}
