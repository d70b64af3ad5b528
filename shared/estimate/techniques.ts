/**
 * Which modules a technique adapts and exactly how many parameters it trains (ESTIMATOR.md §2).
 * Module names follow PEFT: a target matches a module whose name equals it (PEFT matches the key's
 * last component, so `v_proj` does not match `qkv_proj`).
 */
import type { ModelSpec } from '../domain/model-spec';
import type { Technique, TechniqueKind } from '../domain/plan';
import type { Architecture, LinearModule } from './architecture';

export const LORA_FAMILY: readonly TechniqueKind[] = ['lora', 'qlora', 'dora', 'vera', 'loha', 'lora_fa'];
export const PROMPT_FAMILY: readonly TechniqueKind[] = [
  'prompt_tuning',
  'prefix_tuning',
  'p_tuning',
  'adaption_prompt',
];

export const TECHNIQUE_LABELS: Record<TechniqueKind, string> = {
  full: 'Full fine-tuning',
  lora: 'LoRA',
  qlora: 'QLoRA',
  dora: 'DoRA',
  ia3: 'IA3',
  prompt_tuning: 'Prompt tuning',
  prefix_tuning: 'Prefix tuning',
  p_tuning: 'P-tuning',
  vera: 'VeRA',
  loha: 'LoHa',
  lora_fa: 'LoRA-FA',
  ln_tuning: 'LayerNorm tuning',
  adaption_prompt: 'LLaMA-Adapter',
};

export class EstimateInputError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
    this.name = 'EstimateInputError';
  }
}

export interface AdaptedModule {
  module: LinearModule;
  /** Trainable parameters this technique adds per layer for this module. */
  trainablePerLayer: number;
  /** Parameters added per layer, trainable or not (LoRA-FA keeps A frozen). */
  addedPerLayer: number;
}

export interface TechniqueParams {
  kind: TechniqueKind;
  label: string;
  adapted: AdaptedModule[];
  trainableParams: number;
  /** Base model plus added adapter parameters (what PEFT's print_trainable_parameters calls "all params"). */
  totalParams: number;
  addedParams: number;
  /** Base parameters that stay frozen. */
  frozenBaseParams: number;
  formula: string;
  substituted: string;
  notes: string[];
}

const FUSED_ALIASES: Record<string, string[]> = {
  qkv_proj: ['q_proj', 'k_proj', 'v_proj'],
  query_key_value: ['q_proj', 'k_proj', 'v_proj'],
  gate_up_proj: ['gate_proj', 'up_proj'],
};

/** Resolves a LoRA-family target preset or list to this model's module names. */
export function resolveTargets(
  arch: Architecture,
  technique: Technique,
  index: number,
): { modules: LinearModule[]; notes: string[] } {
  const mods = arch.modules;
  const notes: string[] = [];
  const fusedQkv = mods.find((m) => m.name === 'qkv_proj' || m.name === 'query_key_value');
  switch (technique.targets) {
    case 'all-linear':
      return {
        modules: mods,
        notes: [
          'all-linear: every linear layer of the decoder blocks (the MoE router included), not the output head (PEFT).',
        ],
      };
    case 'attention':
      return { modules: mods.filter((m) => m.part === 'attention'), notes };
    case 'mlp':
      return { modules: mods.filter((m) => m.part === 'mlp'), notes };
    case 'qv': {
      if (fusedQkv) {
        notes.push(
          `${arch.spec.name} fuses q, k and v into one ${fusedQkv.name}: q+v adapts the whole ${fusedQkv.name} (PEFT's default for this architecture).`,
        );
        return { modules: [fusedQkv], notes };
      }
      return { modules: mods.filter((m) => m.name === 'q_proj' || m.name === 'v_proj'), notes };
    }
    case 'custom': {
      const wanted = technique.customModules.map((n) => n.split('.').pop() ?? n);
      const modules = mods.filter((m) => wanted.includes(m.name));
      const missing = wanted.filter((n) => !mods.some((m) => m.name === n));
      if (missing.length > 0) {
        const fusedHint = missing
          .map(
            (n) =>
              Object.entries(FUSED_ALIASES).find(
                ([fused, parts]) => parts.includes(n) && mods.some((m) => m.name === fused),
              )?.[0],
          )
          .filter((x): x is string => Boolean(x));
        notes.push(
          `No module named ${missing.join(', ')} in ${arch.spec.name}; PEFT skips ${missing.length === 1 ? 'it' : 'them'}.` +
            (fusedHint.length ? ` This model fuses them into ${[...new Set(fusedHint)].join(', ')}.` : ''),
        );
      }
      if (modules.length === 0) {
        throw new EstimateInputError(
          `techniques[${index}].customModules`,
          `none of ${wanted.join(', ')} exists in ${arch.spec.name}; its linear layers are ${[...new Set(mods.map((m) => m.name))].join(', ')}`,
        );
      }
      return { modules, notes };
    }
  }
}

function iaTargets(arch: Architecture): { attention: LinearModule[]; feedforward: LinearModule[]; notes: string[] } {
  const mods = arch.modules;
  const fused = mods.find((m) => m.name === 'qkv_proj' || m.name === 'query_key_value');
  const down = mods.filter((m) => m.name === 'down_proj' || m.name === 'w2');
  if (fused) {
    return {
      attention: [fused],
      feedforward: down,
      notes: [
        `IA3 scales the output of the fused ${fused.name} (k and v are not separate modules in ${arch.spec.name}).`,
      ],
    };
  }
  return {
    attention: mods.filter((m) => m.name === 'k_proj' || m.name === 'v_proj'),
    feedforward: down,
    notes: [
      'IA3: learned vectors scale k and v outputs and the input of the feed-forward down projection (PEFT defaults).',
    ],
  };
}

const fmt = (n: number) => n.toLocaleString('en-US');

/**
 * PEFT's default LN-tuning targets by model_type (peft 0.21.2 utils/constants.py,
 * TRANSFORMERS_MODELS_TO_LNTUNING_TARGET_MODULES_MAPPING): every norm for llama, mistral and gemma2;
 * post_attention_layernorm alone for qwen2; none for the others, where PEFT asks for target_modules.
 */
const LN_TUNING_DEFAULTS: Partial<Record<ModelSpec['modelType'], 'all' | 'post_attention_layernorm'>> = {
  llama: 'all',
  mistral: 'all',
  gemma2: 'all',
  qwen2: 'post_attention_layernorm',
};

/** Model types PEFT's AdaptionPrompt (LLaMA-Adapter) supports (peft 0.21.2 tuners/adaption_prompt/config.py). */
const ADAPTION_PROMPT_TYPES: readonly ModelSpec['modelType'][] = ['llama', 'mistral'];

export function techniqueParams(arch: Architecture, technique: Technique, index = 0): TechniqueParams {
  const m = arch.spec;
  const L = m.numLayers;
  const h = m.hiddenSize;
  const r = technique.rank;
  const label = TECHNIQUE_LABELS[technique.kind];
  const base = arch.totalParams;
  const done = (
    p: Omit<TechniqueParams, 'kind' | 'label' | 'frozenBaseParams' | 'totalParams'> & { frozenBaseParams?: number },
  ): TechniqueParams => ({
    kind: technique.kind,
    label,
    totalParams: base + p.addedParams,
    frozenBaseParams: p.frozenBaseParams ?? base,
    ...p,
  });

  switch (technique.kind) {
    case 'full': {
      const frozen = technique.freezeEmbeddings ? arch.embeddingParams + arch.lmHeadParams : 0;
      return done({
        adapted: [],
        trainableParams: base - frozen,
        addedParams: 0,
        frozenBaseParams: frozen,
        formula: technique.freezeEmbeddings ? 'P − V·h (embeddings) − head' : 'P (every parameter)',
        substituted: technique.freezeEmbeddings ? `${fmt(base)} − ${fmt(frozen)}` : fmt(base),
        notes: [],
      });
    }
    case 'lora':
    case 'qlora':
    case 'dora':
    case 'loha':
    case 'lora_fa':
    case 'vera': {
      const { modules, notes } = resolveTargets(arch, technique, index);
      const per = (mod: LinearModule) => {
        const lora = r * (mod.in + mod.out);
        switch (technique.kind) {
          case 'dora':
            return { trainable: lora + mod.out, added: lora + mod.out }; // + magnitude vector
          case 'loha':
            return { trainable: 2 * lora, added: 2 * lora }; // two Hadamard factor pairs
          case 'lora_fa':
            return { trainable: r * mod.out, added: lora }; // A frozen, only B trains
          case 'vera':
            return { trainable: r + mod.out, added: r + mod.out }; // λ_d and λ_b; shared A, B are frozen buffers
          default:
            return { trainable: lora, added: lora };
        }
      };
      const adapted = modules.map((mod) => {
        const p = per(mod);
        return { module: mod, trainablePerLayer: p.trainable * mod.count, addedPerLayer: p.added * mod.count };
      });
      const trainable = L * adapted.reduce((s, a) => s + a.trainablePerLayer, 0);
      const added = L * adapted.reduce((s, a) => s + a.addedPerLayer, 0);
      const termFor = (a: AdaptedModule) => {
        const mult = a.module.count > 1 ? `${a.module.count}×` : '';
        switch (technique.kind) {
          case 'dora':
            return `${mult}(${r}·(${a.module.in}+${a.module.out})+${a.module.out})`;
          case 'loha':
            return `${mult}2·${r}·(${a.module.in}+${a.module.out})`;
          case 'lora_fa':
            return `${mult}${r}·${a.module.out}`;
          case 'vera':
            return `${mult}(${r}+${a.module.out})`;
          default:
            return `${mult}${r}·(${a.module.in}+${a.module.out})`;
        }
      };
      const formulas: Record<string, string> = {
        dora: 'L · Σ over adapted modules [r·(in + out) + out]',
        loha: 'L · Σ 2·r·(in + out)',
        lora_fa: 'L · Σ r·out (B only; A is frozen)',
        vera: 'L · Σ (r + out) (λ_d and λ_b; A and B are shared frozen buffers)',
      };
      return done({
        adapted,
        trainableParams: trainable,
        addedParams: added,
        formula: formulas[technique.kind] ?? 'L · Σ over adapted modules r·(in + out)',
        substituted: `${L} · (${adapted.map(termFor).join(' + ')}) = ${fmt(trainable)}  [${adapted.map((a) => a.module.name).join(', ')}]`,
        notes,
      });
    }
    case 'ia3': {
      const t = iaTargets(arch);
      const adapted: AdaptedModule[] = [
        ...t.attention.map((mod) => ({
          module: mod,
          trainablePerLayer: mod.out * mod.count,
          addedPerLayer: mod.out * mod.count,
        })),
        ...t.feedforward.map((mod) => ({
          module: mod,
          trainablePerLayer: mod.in * mod.count,
          addedPerLayer: mod.in * mod.count,
        })),
      ];
      const trainable = L * adapted.reduce((s, a) => s + a.trainablePerLayer, 0);
      return done({
        adapted,
        trainableParams: trainable,
        addedParams: trainable,
        formula: 'L · (Σ out of k, v + in of the feed-forward down projection)',
        substituted: `${L} · (${adapted.map((a) => (t.feedforward.includes(a.module) ? a.module.in : a.module.out)).join(' + ')}) = ${fmt(trainable)}`,
        notes: t.notes,
      });
    }
    case 'prompt_tuning': {
      const n = technique.virtualTokens;
      return done({
        adapted: [],
        trainableParams: n * h,
        addedParams: n * h,
        formula: 'n_virtual · h',
        substituted: `${n} · ${h} = ${fmt(n * h)}`,
        notes: [`${n} virtual tokens are prepended to every sequence: activations and compute grow with s + ${n}.`],
      });
    }
    case 'p_tuning': {
      const n = technique.virtualTokens;
      // PEFT PromptEncoder (MLP): embedding n×h, then Linear(h,h)+ReLU+Linear(h,h)+ReLU+Linear(h,h), with biases.
      const encoder = 3 * (h * h + h);
      const trainable = n * h + encoder;
      return done({
        adapted: [],
        trainableParams: trainable,
        addedParams: trainable,
        formula: 'n_virtual · h + 3·(h² + h) (MLP prompt encoder)',
        substituted: `${n} · ${h} + 3·(${h}² + ${h}) = ${fmt(trainable)}`,
        notes: [`${n} virtual tokens are prepended to every sequence.`],
      });
    }
    case 'prefix_tuning': {
      const n = technique.virtualTokens;
      const trainable = n * L * 2 * arch.kvWidth;
      return done({
        adapted: [],
        trainableParams: trainable,
        addedParams: trainable,
        formula: 'n_virtual · L · 2 · (a_kv · d) (keys and values per layer, no projection)',
        substituted: `${n} · ${L} · 2 · ${arch.kvWidth} = ${fmt(trainable)}`,
        notes: [`Attention sees s + ${n} keys and values in every layer.`],
      });
    }
    case 'adaption_prompt': {
      const n = technique.virtualTokens;
      const trainable = L * (n * h + 1);
      return done({
        adapted: [],
        trainableParams: trainable,
        addedParams: trainable,
        formula: 'L · (adapter_len · h + 1) (prompt and zero-init gate per layer)',
        substituted: `${L} · (${n} · ${h} + 1) = ${fmt(trainable)}`,
        notes: ADAPTION_PROMPT_TYPES.includes(m.modelType)
          ? []
          : [
              `PEFT's AdaptionPrompt supports only llama and mistral model types (peft 0.21.2 tuners/adaption_prompt/config.py, TRANSFORMERS_MODEL_CONFIG); get_peft_model refuses a ${m.modelType} model.`,
            ],
      });
    }
    case 'ln_tuning': {
      // PEFT's LNTuningLayer deep-copies each targeted norm and trains the copy; the original stays frozen
      // (peft tuners/ln_tuning/layer.py), so the copy is added and the whole base stays frozen.
      const normSize = m.norm === 'layernorm' ? 2 * h : h;
      const defaults = LN_TUNING_DEFAULTS[m.modelType];
      const postAttentionOnly = defaults === 'post_attention_layernorm';
      const perLayer = postAttentionOnly ? normSize : arch.normParamsPerLayer;
      const finalNorm = postAttentionOnly ? 0 : arch.finalNormParams;
      const trainable = L * perLayer + finalNorm;
      const notes =
        defaults === undefined
          ? [
              `PEFT has no default LN-tuning targets for ${m.modelType}: LNTuningConfig needs target_modules=["input_layernorm", "post_attention_layernorm", "norm"] (counted here), or get_peft_model refuses.`,
            ]
          : postAttentionOnly
            ? [
                `PEFT's default LN-tuning targets for ${m.modelType} are post_attention_layernorm only (peft utils/constants.py); input_layernorm and the final norm stay frozen.`,
              ]
            : [];
      return done({
        adapted: [],
        trainableParams: trainable,
        addedParams: trainable,
        formula: postAttentionOnly
          ? 'L · norm size (post_attention_layernorm only)'
          : 'L · norms per layer · norm size + final norm',
        substituted: postAttentionOnly
          ? `${L} · ${fmt(normSize)} = ${fmt(trainable)}`
          : `${L} · ${fmt(arch.normParamsPerLayer)} + ${fmt(arch.finalNormParams)} = ${fmt(trainable)}`,
        notes,
      });
    }
  }
}
