/**
 * config.json files written by transformers' own save_pretrained (tests/fixtures/configs/saved, made by
 * tests/python/fixtures_gen/save_configs.py; the library versions are in each folder's VERSIONS) read by
 * Tuneplan's importer, and its counts checked against counts.json: what the real classes built from the
 * same files count on the meta device (trainable counts from get_peft_model with Tuneplan's default
 * settings, or the error PEFT raised).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseHfConfig } from '../../../shared/catalog/hf-config';
import { TechniqueSchema } from '../../../shared/domain/plan';
import { describeArchitecture } from '../../../shared/estimate/architecture';
import { techniqueParams } from '../../../shared/estimate/techniques';
import { parseJsonText } from '../../../shared/text';

const saved = path.join(__dirname, '../../fixtures/configs/saved');
const folders = fs.readdirSync(saved).filter((f) => f.startsWith('transformers-'));

interface Recorded {
  modelType: string;
  totalParams: number;
  activeParams: number;
  techniques?: Record<string, { trainable: number; all: number } | { error: string }>;
}

describe.each(folders)('config.json files saved by %s', (folder) => {
  const dir = path.join(saved, folder);
  const counts = parseJsonText(fs.readFileSync(path.join(dir, 'counts.json'), 'utf8')) as Record<string, Recorded>;
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'counts.json');

  it('has a count for every file and names the library versions', () => {
    expect(files.sort()).toEqual(Object.keys(counts).sort());
    expect(fs.readFileSync(path.join(dir, 'VERSIONS'), 'utf8')).toMatch(/transformers \d+\.\d+/);
    expect(new Set(Object.values(counts).map((c) => c.modelType))).toEqual(
      new Set([
        ...['llama', 'mistral', 'mixtral', 'phi3', 'phimoe', 'qwen2', 'gemma2'],
        ...['qwen3', 'qwen3_moe', 'gemma3_text', 'deepseek_v3', 'gpt2', 'falcon'],
      ]),
    );
  });

  it.each(files)('%s: total and active parameters equal the real class', (file) => {
    const spec = parseHfConfig(parseJsonText(fs.readFileSync(path.join(dir, file), 'utf8')), file);
    const arch = describeArchitecture(spec);
    const real = counts[file]!;
    expect(spec.modelType).toBe(real.modelType);
    expect([arch.totalParams, arch.activeParams]).toEqual([real.totalParams, real.activeParams]);
  });

  const withTechniques = files.filter((f) => counts[f]?.techniques);
  it.each(withTechniques)('%s: trainable parameters of every technique equal PEFT on the real class', (file) => {
    const spec = parseHfConfig(parseJsonText(fs.readFileSync(path.join(dir, file), 'utf8')), file);
    const arch = describeArchitecture(spec);
    const checked: string[] = [];
    for (const [kind, real] of Object.entries(counts[file]!.techniques!)) {
      const p = techniqueParams(arch, TechniqueSchema.parse({ kind }));
      const label = `${file} ${kind}`;
      if ('error' in real && p.peftRefuses) {
        // transformers 5 fuses MoE experts into 3-D parameters; PEFT's LoRA wraps them only without dropout
        // (lora.ParamWrapper) and refuses a router that is not an nn.Linear for other methods. Tuneplan says so.
        expect(real.error.split(':')[0], label).toBe(p.peftRefuses.split(':')[0]);
        expect(p.notes.join(' '), label).toContain('PEFT refuses');
        continue;
      }
      if ('error' in real) {
        // The only refusal outside MoE experts: LLaMA-Adapter on model types PEFT has no recipe for.
        expect(kind, label).toBe('adaption_prompt');
        expect(real.error).toMatch(/Unsupported model type for adaption prompt/);
        expect(p.notes.join(' '), label).toMatch(/only llama, mistral and gpt2/);
        continue;
      }
      expect([p.trainableParams, p.totalParams], label).toEqual([real.trainable, real.all]);
      checked.push(kind);
    }
    expect(checked).toEqual(
      expect.arrayContaining(['full', 'prompt_tuning', 'prefix_tuning', 'p_tuning', 'ln_tuning']),
    );
  });
});
