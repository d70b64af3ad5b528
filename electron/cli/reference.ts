/**
 * Turns a published measurement record (tests/fixtures/reference-measurements.json) into a plan,
 * reading its structured fields and its PEFT config text, so validation needs no per-record tables.
 */
import { matchGpuName } from '../../shared/catalog/gpus';
import { CATALOG_MODELS } from '../../shared/catalog/models';
import { TECHNIQUE_KINDS, type PlanInput, type TechniqueInput } from '../../shared/domain/plan';
import { strategyForZeroStage } from '../../shared/domain/strategies';

export interface ReferenceRecord {
  id: string;
  value_kind: string;
  model: string | null;
  technique: string | null;
  peft_config: string | null;
  precision: string | null;
  optimizer: string | null;
  micro_batch_size: number | null;
  gradient_accumulation_steps: number | null;
  sequence_length: number | null;
  gradient_checkpointing: boolean | null;
  num_gpus: number | null;
  gpu_type: string | null;
  zero_stage: number | null;
  offload: string | null;
  peak_gpu_mem_gib_normalized: number | null;
  memory_metric: string | null;
  throughput_value: number | null;
  throughput_unit: string | null;
  trainable_params: number | null;
  sequence_length_note?: string | null;
  other_settings?: string | null;
  source_location?: string | null;
  source_url: string;
}

export type Counter = 'allocated' | 'active' | 'reserved' | 'nvidia-smi';
export const COUNTERS: readonly Counter[] = ['allocated', 'active', 'reserved', 'nvidia-smi'];

export function counterOf(metric: string | null): Counter {
  const m = (metric ?? '').toLowerCase();
  // torch.cuda.memory_stats()['active_bytes.all.peak'] (torchtune's "Peak Memory Active").
  if (m.includes('active_bytes') || m.includes('memory active')) return 'active';
  if (m.includes('max_memory_allocated') || m.includes('allocated()')) return 'allocated';
  if (m.includes('nvidia-smi') || m.includes('nvml')) return 'nvidia-smi';
  return 'reserved';
}

/**
 * Whether a record's figure is one training step's peak rather than the run's. torchtune logs its memory counters
 * at every logged step and resets the peak each time (torchtune/training/memory.py `get_memory_stats`,
 * `reset_stats=True`; recipes/full_finetune_single_device.py calls it in the step's log at log_every_n_steps: 1, both
 * at 1814feb, the commit of the README's ablation): a README figure is some step's peak, and which step is not said.
 * With packed batches every step has the same shape; with padded batches each step's peak follows its batch.
 */
export function perStepPeak(record: ReferenceRecord): boolean {
  return fromTorchtune(record);
}

/** A record torchtune published (its README or docs): it trained on torchtune's own recipes. */
export function fromTorchtune(record: Pick<ReferenceRecord, 'source_url'>): boolean {
  return /github\.com\/pytorch\/torchtune/.test(record.source_url);
}

function findModel(name: string | null): string | null {
  if (!name) return null;
  const lower = name.toLowerCase();
  const hit =
    CATALOG_MODELS.find((m) => m.spec.hfId?.toLowerCase() === lower) ??
    CATALOG_MODELS.find((m) => lower.endsWith(m.id.toLowerCase()));
  return hit?.id ?? null;
}

function findGpu(name: string | null): string | null {
  return name ? (matchGpuName(name)?.id ?? null) : null;
}

/** torchtune's Llama module names → transformers' (torchtune/models/convert_weights.py `_FROM_HF`). */
const TORCHTUNE_MODULES: Record<string, string> = { output_proj: 'o_proj' };

/** Training switches a record states (ablation rows with "+ …" add to the row before them; see validate.ts). */
export interface RecordSwitches {
  packing: boolean;
  compile: boolean;
  chunkedLoss: boolean;
  optimizerInBackward: boolean;
  activationOffload: boolean;
}

export function switchesOf(record: ReferenceRecord, inherited?: RecordSwitches): RecordSwitches {
  const settings = (record.other_settings ?? '').toLowerCase();
  const cumulative = inherited !== undefined && settings.trim().startsWith('+');
  const base: RecordSwitches = cumulative
    ? inherited
    : { packing: false, compile: false, chunkedLoss: false, optimizerInBackward: false, activationOffload: false };
  // Negations ("no optimizer_in_bwd, no 8-bit") are removed before matching.
  const optimizer = (record.optimizer ?? '').toLowerCase().replace(/\bno [\w-]+/g, '');
  return {
    packing: base.packing || /\bpacked\b/.test(settings) || /^packed/i.test(record.sequence_length_note ?? ''),
    compile: base.compile || /\bcompile\b(?!\s+off)/.test(settings),
    chunkedLoss: base.chunkedLoss || /chunked (ce|cross-entropy)/.test(settings),
    optimizerInBackward:
      base.optimizerInBackward ||
      /optimizer step fused into backward/.test(settings) ||
      /optimizer_in_bwd|fused into backward/.test(optimizer),
    activationOffload:
      base.activationOffload ||
      /activation offloading/.test(settings) ||
      /activations to cpu/i.test(record.offload ?? ''),
  };
}

function techniqueFrom(record: ReferenceRecord): TechniqueInput | null {
  const kind = (TECHNIQUE_KINDS as readonly string[]).includes(record.technique ?? '')
    ? (record.technique as TechniqueInput['kind'])
    : null;
  if (!kind) return null;
  const cfg = record.peft_config ?? '';
  const t: TechniqueInput = { kind };
  const rank = /\br\s*=\s*(\d+)/i.exec(cfg)?.[1];
  if (rank) t.rank = Number(rank);
  const dropout = /dropout\s*=?\s*(\d*\.?\d+)/i.exec(cfg)?.[1];
  t.dropout = dropout ? Number(dropout) : 0;
  const tokens = /(?:num_virtual_tokens|adapter_len)\s*=\s*(\d+)/i.exec(cfg)?.[1];
  if (tokens) t.virtualTokens = Number(tokens);
  if (/all-linear/i.test(cfg)) t.targets = 'all-linear';
  else {
    const names = [...cfg.matchAll(/\b([a-z_]*(?:proj|query_key_value|dense|w[123]))\b/gi)]
      .map((m) => TORCHTUNE_MODULES[m[1]!] ?? m[1]!)
      .filter((n) => n !== 'prefix_projection');
    // torchtune's `apply_lora_to_mlp: True` ("+ MLP"): w1, w2, w3 = gate_proj, down_proj, up_proj.
    if (/\+\s*MLP\b/.test(cfg)) names.push('gate_proj', 'up_proj', 'down_proj');
    if (names.length > 0) {
      t.targets = 'custom';
      t.customModules = [...new Set(names)];
    }
  }
  return t;
}

/** The plan a record describes, or the reason it cannot be estimated. */
export function planFromRecord(
  record: ReferenceRecord,
  inherited?: RecordSwitches,
): { plan: PlanInput; switches: RecordSwitches } | { skip: string } {
  const model = findModel(record.model);
  if (!model) return { skip: `model ${record.model ?? '(none)'} is not in the catalog` };
  const gpu = findGpu(record.gpu_type);
  if (!gpu) return { skip: `GPU ${record.gpu_type ?? '(none)'} is not in the catalog` };
  const technique = techniqueFrom(record);
  if (!technique) return { skip: `technique ${record.technique ?? '(none)'} is not modelled` };
  const precision = /pure bf16|bfloat16/i.test(record.precision ?? '')
    ? 'pure_bf16'
    : /fp32|float32/i.test(record.precision ?? '') && !/mixed/i.test(record.precision ?? '')
      ? 'fp32'
      : /mixed|amp/i.test(record.precision ?? '')
        ? 'mixed'
        : 'pure_bf16';
  const opt = (record.optimizer ?? '').toLowerCase().replace(/\bno [\w-]+/g, '');
  const optimizer = /8-?bit/.test(opt)
    ? 'adamw_8bit'
    : opt.includes('adafactor')
      ? 'adafactor'
      : opt.includes('lion')
        ? 'lion'
        : opt.includes('sgd')
          ? 'sgd_momentum'
          : 'adamw';
  const meanTokens = Number(/mean\s*~?\s*(\d+)\s*tokens/i.exec(record.sequence_length_note ?? '')?.[1] ?? 0) || null;
  // "truncated to max_seq_length 768 … peak is set by the longest batches": the longest example is that long.
  const longest =
    Number(/truncated to max_seq_length\s*(\d+)/i.exec(record.sequence_length_note ?? '')?.[1] ?? 0) || null;
  const strategy = strategyForZeroStage(record.zero_stage);
  const switches = switchesOf(record, inherited);
  const stack = fromTorchtune(record) ? 'torchtune' : 'transformers';
  // torchtune's configs ask for the fused AdamW step: at 1814feb (the commit of the README's ablation table), 104 of
  // the 107 recipe configs whose optimizer is torch.optim.AdamW set `fused: True` (recipes/configs/**/*.yaml; e.g.
  // llama3_2/3B_lora_single_device.yaml lines 56–58, llama3_2/3B_full.yaml lines 54–57), and the README's override
  // `optimizer=torch.optim.AdamW` changes only `_component_`. A torchtune record that says "AdamW" runs the fused step
  // (no foreach temporaries).
  const fusedFromConfig = optimizer === 'adamw' && stack === 'torchtune';
  return {
    switches,
    plan: {
      name: record.id,
      model: { source: 'catalog', id: model },
      techniques: [technique],
      training: {
        precision,
        optimizer: fusedFromConfig ? ('adamw_torch_fused' as const) : optimizer,
        microBatch: record.micro_batch_size ?? 1,
        gradAccum: record.gradient_accumulation_steps ?? 1,
        seqLen: record.sequence_length ?? 2048,
        gradientCheckpointing: record.gradient_checkpointing ?? false,
        stack,
        packing: switches.packing,
        compile: switches.compile,
        lossKernel: switches.chunkedLoss ? 'chunked' : 'standard',
        optimizerInBackward: switches.optimizerInBackward,
        activationOffload: switches.activationOffload,
        // "length-bucketed batches": PEFT's method-comparison BucketIterator sorts each bucket long to short
        // (method_comparison/MetaMathQA/data.py), and the run empties the cache every 10 steps; the closest plan
        // setting is transformers' LengthGroupedSampler, which puts the longest batch first.
        ...(/length-bucketed/i.test(record.sequence_length_note ?? '')
          ? { samplingStrategy: 'group_by_length' as const }
          : {}),
      },
      distribution: { gpusPerNode: record.num_gpus ?? 1, strategy },
      hardware: { gpu: { source: 'catalog', id: gpu } },
      ...(meanTokens || longest
        ? {
            data: {
              mode: 'examples' as const,
              examples: 20_000,
              ...(meanTokens ? { meanTokensPerExample: meanTokens } : {}),
              ...(longest ? { maxTokensPerExample: longest } : {}),
            },
          }
        : {}),
    },
  };
}
