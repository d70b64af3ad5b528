/**
 * A model's `config.json` as one of several imported files: its shape (read by the catalog's own reader,
 * shared/catalog/hf-config.ts) and, for a base saved quantized, its bitsandbytes `quantization_config`
 * (transformers/utils/quantization_config.py BitsAndBytesConfig.to_dict). Sample
 * (tests/fixtures/import-configs/generated/base-4bit/config.json, transformers 5.24):
 *
 *     "quantization_config": { "bnb_4bit_quant_type": "nf4", "bnb_4bit_use_double_quant": true,
 *                              "load_in_4bit": true, "load_in_8bit": false, "quant_method": "bitsandbytes", ... }
 */
import { ConfigImportError as HfConfigError, readHfConfig } from '../../catalog/hf-config';
import { ConfigImportError, isObject, Reading, str, type ConfigReading, type Json } from './facts';

export const looksLikeHfConfig = (j: Json) => typeof j.model_type === 'string' || Array.isArray(j.architectures);

export function readModelConfig(json: unknown, file: string): ConfigReading {
  const r = new Reading(file, 'hf-config');
  try {
    const reading = readHfConfig(json, { fileName: file });
    r.set('model', { kind: 'spec', spec: reading.spec }, 'model_type / hidden_size / ...');
    for (const w of reading.warnings) r.note(w);
  } catch (error) {
    if (error instanceof HfConfigError) throw new ConfigImportError(`${file}: ${error.message}`);
    throw error;
  }
  const q = isObject(json) && isObject(json.quantization_config) ? json.quantization_config : undefined;
  if (q) {
    if (q.quant_method === 'bitsandbytes' || q.load_in_4bit === true || q.load_in_8bit === true) {
      r.set('technique.kind', 'qlora', 'quantization_config');
      r.set(
        'technique.quantType',
        q.load_in_8bit === true ? 'int8' : q.bnb_4bit_quant_type === 'fp4' ? 'fp4' : 'nf4',
        'quantization_config.bnb_4bit_quant_type',
      );
      if (q.load_in_8bit !== true)
        r.set(
          'technique.doubleQuant',
          q.bnb_4bit_use_double_quant === true,
          'quantization_config.bnb_4bit_use_double_quant',
        );
    } else
      r.note(
        `quantization_config.quant_method ${str(q.quant_method) ?? '?'} is not bitsandbytes: Tuneplan plans ` +
          `the base unquantized.`,
      );
  }
  return r.done();
}
