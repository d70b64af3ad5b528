/**
 * Which modules a technique adapts and exactly how many parameters it trains (ESTIMATOR.md §2).
 * Module names follow PEFT: a target matches a module whose name equals it (PEFT matches the key's
 * last component, so `v_proj` does not match `qkv_proj`).
 */
import type { ModelSpec } from '../domain/model-spec';
import type { Technique, TechniqueKind } from '../domain/plan';
import { normLayout, type Architecture, type LinearModule } from './architecture';

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
  /**
   * In how many layers the module is adapted (a DeepSeek dense-layer MLP: first_k_dense_replace; most: every layer).
   */
  layers: number;
  /** LoRA rank PEFT gives it (fused MoE gate_up_proj: 2r, PEFT's rank_pattern for the fused pair). */
  rank?: number;
  /**
   * Which layer group (Architecture.layerGroups: DeepSeek's dense and MoE layers, an encoder and its decoder) the
   * entry is for; tensors shared between a layer's modules are shared within one group only. 0 when absent.
   */
  group?: number;
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
  /** Set when peft 0.21.2's get_peft_model raises for this technique on this model: the error, and what to change. */
  peftRefuses?: string;
}

const FUSED_ALIASES: Record<string, string[]> = {
  qkv_proj: ['q_proj', 'k_proj', 'v_proj'],
  query_key_value: ['q_proj', 'k_proj', 'v_proj'],
  c_attn: ['q_proj', 'k_proj', 'v_proj'],
  gate_up_proj: ['gate_proj', 'up_proj'],
};

/**
 * transformers 5 model types whose fused MoE experts PEFT 0.21.2 re-targets for LoRA
 * (peft/utils/transformers_weight_conversion.py: transformers' _MODEL_TO_CONVERSION_PATTERN maps them to the
 * mixtral or qwen2_moe rule, _MOE_TARGET_MODULE_MAPPING): transformers 4's expert names in target_modules
 * become target_parameters on the 3-D `experts.gate_up_proj` (rank 2r when gate and up are both named, one
 * alone is refused) and `experts.down_proj`, the router `gate` becomes `gate.weight`, and those names leave
 * target_modules — so a dense-layer or shared-expert `gate_proj`/`up_proj`/`down_proj` is no longer adapted.
 * qwen2_moe and phimoe themselves are not in the table: their experts are never adapted.
 */
const PEFT_MOE_CONVERSION: ReadonlySet<string> = new Set(['mixtral', 'qwen3_moe', 'deepseek_v2', 'deepseek_v3']);
const LORA_PEFT_TYPE: readonly TechniqueKind[] = ['lora', 'qlora', 'dora', 'lora_fa'];

/** Every distinct module of every layer group, with the number of layers it appears in. */
export function allModules(arch: Architecture): { module: LinearModule; layers: number; group: number }[] {
  return (arch.layerGroups ?? [{ layers: arch.spec.numLayers, modules: arch.modules }]).flatMap((g, group) =>
    g.modules.map((module) => ({ module, layers: g.layers, group })),
  );
}

/**
 * The target names the export passes for a preset or custom list (`all-linear` as PEFT resolves it, each module once).
 */
export function resolveTargets(
  arch: Architecture,
  technique: Technique,
  index: number,
): { modules: LinearModule[]; names: string[]; notes: string[] } {
  const all = allModules(arch).map((x) => x.module);
  const notes: string[] = [];
  const byNames = (names: string[]) => {
    const uniq = [...new Set(names)];
    return { modules: uniq.map((n) => all.find((m) => m.name === n)!).filter(Boolean), names: uniq, notes };
  };
  const fusedQkv = all.find((m) => m.role === 'qkv');
  switch (technique.targets) {
    case 'all-linear':
      notes.push(
        'all-linear: every nn.Linear of the decoder blocks, not the output head (PEFT).' +
          // Said only where it applies: a model with experts.
          (arch.spec.moe
            ? ' transformers 5 stores MoE experts as fused 3-D parameters and the router as a custom module, which ' +
              'all-linear reaches only where PEFT maps them (see below).'
            : ''),
      );
      return byNames(all.filter((m) => m.storage === 'linear').map((m) => m.name));
    case 'attention':
      return byNames(all.filter((m) => m.part === 'attention').map((m) => m.name));
    case 'mlp':
      return byNames(all.filter((m) => m.part === 'mlp').map((m) => m.name));
    case 'qv': {
      if (fusedQkv) {
        notes.push(
          `${arch.spec.name} fuses q, k and v into one ${fusedQkv.name}: q+v adapts the whole ${fusedQkv.name} ` +
            `(PEFT's default for this architecture).`,
        );
        return byNames([fusedQkv.name]);
      }
      if (arch.spec.mla) {
        notes.push(
          'Multi-head latent attention has no v_proj: q+v adapts the query projection and kv_b_proj (which expands ' +
            'the latent into keys and values).',
        );
        return byNames(all.filter((m) => m.role === 'q' || m.role === 'q_b' || m.role === 'kv_b').map((m) => m.name));
      }
      return byNames(all.filter((m) => m.role === 'q' || m.role === 'v').map((m) => m.name));
    }
    case 'custom': {
      const wanted = technique.customModules.map((n) => n.split('.').pop() ?? n);
      const missing = wanted.filter((n) => !all.some((m) => m.name === n));
      if (missing.length > 0) {
        const fusedHint = missing
          .map(
            (n) =>
              Object.entries(FUSED_ALIASES).find(
                ([fused, parts]) => parts.includes(n) && all.some((m) => m.name === fused),
              )?.[0],
          )
          .filter((x): x is string => Boolean(x));
        notes.push(
          `No module named ${missing.join(', ')} in ${arch.spec.name}; PEFT skips ` +
            `${missing.length === 1 ? 'it' : 'them'}.` +
            (fusedHint.length ? ` This model fuses them into ${[...new Set(fusedHint)].join(', ')}.` : ''),
        );
      }
      if (wanted.every((n) => missing.includes(n))) {
        throw new EstimateInputError(
          `techniques[${index}].customModules`,
          `none of ${wanted.join(', ')} exists in ${arch.spec.name}; its linear layers are ` +
            `${[...new Set(all.map((m) => m.name))].join(', ')}`,
        );
      }
      return byNames(wanted.filter((n) => !missing.includes(n)));
    }
  }
}

/**
 * What PEFT 0.21.2 adapts on transformers 5 for these target names: nn.Linear modules by name; for LoRA on
 * the model types in PEFT_MOE_CONVERSION also the fused expert parameters and the router weight
 * (lora.ParamWrapper: A in × r·E, B r·E × out, no dropout, no DoRA). `stringAllLinear`: the export passes
 * target_modules="all-linear" (PEFT resolves it to the nn.Linear names plus, when converting, the expert and
 * router names); otherwise the list.
 */
function peftAdapted(
  arch: Architecture,
  technique: Technique,
  names: string[],
  stringAllLinear: boolean,
): {
  adapted: { module: LinearModule; layers: number; rank: number; group: number }[];
  notes: string[];
  refuses?: string;
} {
  const m = arch.spec;
  const r = technique.rank;
  const notes: string[] = [];
  const items = allModules(arch);
  const converting = PEFT_MOE_CONVERSION.has(m.modelType) && LORA_PEFT_TYPE.includes(technique.kind);
  const moeNames = new Set(items.filter((x) => x.module.storage !== 'linear').map((x) => x.module.name));
  // PEFT's mapping keys depend on the model type only, not on which layers have experts: a model cut to its
  // dense layers still loses gate_proj/up_proj/down_proj from target_modules.
  const mappingKeys =
    m.modelType === 'mixtral' ? ['gate', 'w1', 'w3', 'w2'] : ['gate', 'gate_proj', 'up_proj', 'down_proj'];
  const wanted = new Set(names);
  if (converting && stringAllLinear) for (const n of mappingKeys) wanted.add(n);
  const mapped = converting ? new Set([...wanted].filter((n) => mappingKeys.includes(n))) : new Set<string>();
  const adapted: { module: LinearModule; layers: number; rank: number; group: number }[] = [];
  let refuses: string | undefined;
  for (const { module, layers, group } of items) {
    if (!wanted.has(module.name)) continue;
    if (module.storage === 'linear') {
      if (mapped.has(module.name)) continue; // PEFT moved the name to target_parameters
      adapted.push({ module, layers, rank: r, group });
    } else if (converting) {
      if (module.role === 'gate' || module.role === 'up') {
        const gate = items.find((x) => x.module.storage === 'experts' && x.module.role === 'gate')!.module;
        const up = items.find((x) => x.module.storage === 'experts' && x.module.role === 'up')!.module;
        if (!(wanted.has(gate.name) && wanted.has(up.name))) {
          const [has, lacks] = wanted.has(gate.name) ? [gate.name, up.name] : [up.name, gate.name];
          refuses ??=
            `ValueError: Cannot convert PEFT target(s) ${has} without also targeting ${lacks} because they ` +
            `are fused into gate_up_proj. Target both or neither.`;
          continue;
        }
        // One ParamWrapper on experts.gate_up_proj [E, 2I, h] at rank 2r (counted once, on the gate slice).
        if (module.role === 'gate')
          adapted.push({
            module: { ...module, name: 'gate_up_proj', out: 2 * module.out },
            layers,
            rank: 2 * r,
            group,
          });
      } else {
        adapted.push({ module, layers, rank: r, group });
      }
    } else if (module.storage === 'router' && !stringAllLinear) {
      refuses ??=
        `TypeError: Target module ${m.modelType} top-k router (\`${module.name}\`) is not supported: on ` +
        `transformers 5 it is not an nn.Linear. Leave \`${module.name}\` out of the targets.`;
    }
  }
  const params = adapted.filter((a) => a.module.storage !== 'linear');
  if (params.length > 0) {
    notes.push(
      `transformers 5 fuses ${m.modelType}'s experts into 3-D parameters; PEFT maps the LoRA targets ` +
        `${[...mapped].join(', ')} onto target_parameters (experts.gate_up_proj at rank ${2 * r}, ` +
        `experts.down_proj, gate.weight), so dense-layer and shared-expert modules of those names are not adapted.`,
    );
    if (technique.dropout !== 0)
      refuses ??=
        `ValueError: lora.ParamWrapper does not work with lora_dropout != 0. Set dropout to 0 to train the ` +
        `experts, or target attention only.`;
    if (technique.kind === 'dora')
      refuses ??= 'ValueError: lora.ParamWrapper does not work with LoRA variants like DoRA. Use LoRA for the experts.';
  } else if (m.moe && [...wanted].some((n) => moeNames.has(n)) && !converting) {
    notes.push(
      `PEFT does not adapt ${m.modelType}'s fused expert parameters with ${TECHNIQUE_LABELS[technique.kind]} on ` +
        `transformers 5: only the nn.Linear modules are counted.`,
    );
  }
  if (adapted.length === 0 && !refuses)
    refuses =
      `NoMatchingPeftModuleError: Target modules ${JSON.stringify(names)} not found in the base model (on ` +
      `transformers 5 PEFT adapts only nn.Linear modules here). Pick attention or all-linear.`;
  // GPT-2 keeps its projections in transformers' Conv1D, which LoRA, IA3 and VeRA wrap but LoHa does not
  // (peft tuners/loha/model.py: Conv2d, Conv1d, Linear only).
  if (technique.kind === 'loha' && m.modelType === 'gpt2' && adapted.length > 0)
    refuses ??=
      'TypeError: Target module of type Conv1D not supported by LoHa (GPT-2 stores its ' +
      'projections as Conv1D). Use LoRA.';
  return { adapted, notes, refuses };
}

function iaTargets(arch: Architecture): { attention: LinearModule[]; feedforward: LinearModule[]; notes: string[] } {
  const mods = arch.modules;
  const fused = mods.find((m) => m.role === 'qkv');
  const down = mods.filter((m) => m.role === 'down');
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
    attention: mods.filter((m) => m.role === 'k' || m.role === 'v'),
    feedforward: down,
    notes: [
      'IA3: learned vectors scale k and v outputs and the input of the feed-forward down projection (PEFT defaults).',
    ],
  };
}

/** IA3's target names (what the export passes as target_modules and feedforward_modules). */
export function ia3TargetNames(arch: Architecture): { targetModules: string[]; feedforwardModules: string[] } {
  const t = iaTargets(arch);
  const ff = [...new Set(t.feedforward.map((m) => m.name))];
  return { targetModules: [...new Set([...t.attention.map((m) => m.name), ...ff])], feedforwardModules: ff };
}

const fmt = (n: number) => n.toLocaleString('en-US');

/**
 * PEFT's default LN-tuning targets by model_type (peft 0.21.2 utils/constants.py,
 * TRANSFORMERS_MODELS_TO_LNTUNING_TARGET_MODULES_MAPPING). Other model types have none: LNTuningConfig
 * then needs target_modules (Tuneplan names every per-layer norm and the final norm, and counts those).
 */
const LN_TUNING_DEFAULTS: Partial<Record<ModelSpec['modelType'], string[]>> = {
  llama: ['input_layernorm', 'post_attention_layernorm', 'norm'],
  mistral: ['input_layernorm', 'post_attention_layernorm', 'norm'],
  gemma: ['input_layernorm', 'post_attention_layernorm', 'norm'],
  gemma2: [
    'input_layernorm',
    'post_attention_layernorm',
    'pre_feedforward_layernorm',
    'post_feedforward_layernorm',
    'norm',
  ],
  gemma3_text: [
    'input_layernorm',
    'post_attention_layernorm',
    'pre_feedforward_layernorm',
    'post_feedforward_layernorm',
    'norm',
  ],
  qwen2: ['post_attention_layernorm'],
  qwen3: ['post_attention_layernorm'],
  bloom: ['input_layernorm', 'post_attention_layernorm', 'ln_f'],
  gpt2: ['ln_1', 'ln_2', 'ln_f'],
  gptj: ['ln_1', 'ln_f'],
  falcon: ['input_layernorm', 'post_attention_layernorm', 'ln_f'],
  phi: ['input_layernorm', 'final_layernorm'],
};

/** The norm names LN tuning adapts for this model: PEFT's default, else every per-layer norm and the final norm. */
export function lnTuningTargets(m: ModelSpec): { names: string[]; isDefault: boolean } {
  const d = LN_TUNING_DEFAULTS[m.modelType];
  if (d) return { names: d, isDefault: true };
  const layout = normLayout(m);
  return { names: [...new Set([...layout.perLayer.map((n) => n.name), layout.final.name])], isDefault: false };
}

/**
 * Model types PEFT's AdaptionPrompt (LLaMA-Adapter) supports (peft 0.21.2 tuners/adaption_prompt/config.py
 * TRANSFORMERS_MODEL_CONFIG).
 */
const ADAPTION_PROMPT_TYPES: readonly ModelSpec['modelType'][] = ['llama', 'mistral', 'gpt2'];

/** What the frozen tower count is made of: the vision tower, an audio encoder (towerParams counts it too), or both. */
function frozenTowerName(arch: Architecture, frozen: number): string {
  const audio = arch.vision?.audioParams ?? 0;
  if (audio === 0) return 'vision tower';
  return frozen === audio ? 'audio encoder' : 'vision tower and audio encoder';
}

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
      // A vision-language model's vision tower stays frozen (VisionSpec.freezeTower, the usual recipe: LLaVA's
      // stage-2 fine-tuning trains the projector and the language model); its weights count as frozen.
      // An audio encoder (Phi-4-multimodal) stays frozen either way: only image inputs are planned.
      const tower = arch.vision
        ? m.vision?.freezeTower !== false
          ? arch.vision.towerParams
          : arch.vision.audioParams
        : 0;
      const frozen = (technique.freezeEmbeddings ? arch.embeddingParams + arch.lmHeadParams : 0) + tower;
      const what = technique.freezeEmbeddings ? 'P − V·h (embeddings) − head' : 'P (every parameter)';
      return done({
        adapted: [],
        trainableParams: base - frozen,
        addedParams: 0,
        frozenBaseParams: frozen,
        formula: tower ? `${what} − ${frozenTowerName(arch, tower)} (frozen)` : what,
        substituted: frozen ? `${fmt(base)} − ${fmt(frozen)}` : fmt(base),
        notes: tower
          ? [`The ${frozenTowerName(arch, tower)}'s ${fmt(tower)} parameters are frozen (stored, not trained).`]
          : [],
      });
    }
    case 'lora':
    case 'qlora':
    case 'dora':
    case 'loha':
    case 'lora_fa':
    case 'vera': {
      const resolved = resolveTargets(arch, technique, index);
      // The export passes target_modules="all-linear" for LoRA, QLoRA, DoRA, LoRA-FA and LoHa; VeRA gets the list.
      const stringAllLinear = technique.targets === 'all-linear' && technique.kind !== 'vera';
      const peft = peftAdapted(arch, technique, resolved.names, stringAllLinear);
      const notes = [...resolved.notes, ...peft.notes];
      const per = (mod: LinearModule, rr: number) => {
        const experts = mod.storage === 'experts' ? mod.count : 1;
        // lora.ParamWrapper on a 3-D expert parameter: A Linear(in, r·E), B Linear(r·E, out) (peft
        // tuners/lora/layer.py).
        const lora = rr * experts * (mod.in + mod.out);
        switch (technique.kind) {
          case 'dora':
            return { trainable: lora + mod.out, added: lora + mod.out }; // + magnitude vector
          case 'loha':
            return { trainable: 2 * lora, added: 2 * lora }; // two Hadamard factor pairs
          case 'lora_fa':
            return { trainable: rr * experts * mod.out, added: lora }; // A frozen, only B trains
          case 'vera':
            return { trainable: rr + mod.out, added: rr + mod.out }; // λ_d and λ_b; shared A, B are frozen buffers
          default:
            return { trainable: lora, added: lora };
        }
      };
      const adapted: AdaptedModule[] = peft.adapted.map(({ module: mod, layers, rank, group }) => {
        const p = per(mod, rank);
        const times = mod.storage === 'experts' ? 1 : mod.count;
        return {
          module: mod,
          layers,
          rank,
          group,
          trainablePerLayer: p.trainable * times,
          addedPerLayer: p.added * times,
        };
      });
      const trainable = adapted.reduce((s, a) => s + a.layers * a.trainablePerLayer, 0);
      const added = adapted.reduce((s, a) => s + a.layers * a.addedPerLayer, 0);
      const termFor = (a: AdaptedModule) => {
        const rr = a.rank ?? r;
        const e = a.module.storage === 'experts' ? `·${a.module.count}` : '';
        const mult = a.module.storage !== 'experts' && a.module.count > 1 ? `${a.module.count}×` : '';
        const lyr = a.layers !== L ? `${a.layers}·` : '';
        switch (technique.kind) {
          case 'dora':
            return `${lyr}${mult}(${rr}·(${a.module.in}+${a.module.out})+${a.module.out})`;
          case 'loha':
            return `${lyr}${mult}2·${rr}·(${a.module.in}+${a.module.out})`;
          case 'lora_fa':
            return `${lyr}${mult}${rr}${e}·${a.module.out}`;
          case 'vera':
            return `${lyr}${mult}(${rr}+${a.module.out})`;
          default:
            return `${lyr}${mult}${rr}${e}·(${a.module.in}+${a.module.out})`;
        }
      };
      const formulas: Record<string, string> = {
        dora: 'L · Σ over adapted modules [r·(in + out) + out]',
        loha: 'L · Σ 2·r·(in + out)',
        lora_fa: 'L · Σ r·out (B only; A is frozen)',
        vera: 'L · Σ (r + out) (λ_d and λ_b; A and B are shared frozen buffers)',
      };
      const grouped = arch.layerGroups.length > 1;
      return done({
        adapted,
        trainableParams: trainable,
        addedParams: added,
        formula:
          (formulas[technique.kind] ?? 'L · Σ over adapted modules r·(in + out)') +
          (grouped ? ' (per layer group; fused experts r·E·(in + out))' : ''),
        substituted:
          `${grouped ? '' : `${L} · `}(${adapted.map(termFor).join(' + ')}) = ${fmt(trainable)}  [` +
          `${[...new Set(adapted.map((a) => a.module.name))].join(', ')}]`,
        notes: peft.refuses ? [...notes, `PEFT refuses: ${peft.refuses}`] : notes,
        ...(peft.refuses ? { peftRefuses: peft.refuses } : {}),
      });
    }
    case 'ia3': {
      const t = iaTargets(arch);
      const names = ia3TargetNames(arch);
      // IA3 is not LoRA: PEFT matches nn.Linear modules by name only, in every layer group (fused experts and routers
      // are skipped).
      const adapted: AdaptedModule[] = allModules(arch)
        .filter(({ module }) => module.storage === 'linear' && names.targetModules.includes(module.name))
        .map(({ module: mod, layers, group }) => {
          const n = (names.feedforwardModules.includes(mod.name) ? mod.in : mod.out) * mod.count;
          return { module: mod, layers, trainablePerLayer: n, addedPerLayer: n, group };
        });
      const trainable = adapted.reduce((s, a) => s + a.layers * a.trainablePerLayer, 0);
      return done({
        adapted,
        trainableParams: trainable,
        addedParams: trainable,
        formula: 'L · (Σ out of k, v + in of the feed-forward down projection)',
        substituted: `${L} · (${adapted
          .map((a) => (names.feedforwardModules.includes(a.module.name) ? a.module.in : a.module.out))
          .join(' + ')}) = ${fmt(trainable)}`,
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
      // PEFT sizes the prefix as head_dim × num_key_value_heads when the config has num_key_value_heads, else
      // hidden_size (peft utils/other.py _prepare_prompt_learning_config, GQA #1901). Falcon's config names it
      // num_kv_heads, so PEFT uses hidden_size; DeepSeek's head_dim is qk_rope_head_dim.
      const width =
        m.modelType === 'falcon' ||
        m.modelType === 'gpt2' ||
        m.modelType === 'gptj' ||
        m.modelType === 'bloom' ||
        m.modelType === 'opt' ||
        m.modelType === 'gpt_neox' ||
        m.modelType === 'phi3small' ||
        m.modelType === 'chatglm'
          ? h
          : m.mla
            ? m.numHeads * m.mla.qkRopeHeadDim
            : arch.kvWidth;
      const trainable = n * L * 2 * width;
      return done({
        adapted: [],
        trainableParams: trainable,
        addedParams: trainable,
        formula: 'n_virtual · L · 2 · (a_kv · d) (keys and values per layer, no projection)',
        substituted: `${n} · ${L} · 2 · ${width} = ${fmt(trainable)}`,
        notes: [
          `Attention sees s + ${n} keys and values in every layer.`,
          ...(m.mla
            ? [
                "PEFT sizes the prefix from DeepSeek's head_dim (= qk_rope_head_dim), not the latent attention's key " +
                  'and value widths; expect the model to reject the prefix at run time.',
              ]
            : []),
        ],
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
              `PEFT's AdaptionPrompt supports only llama, mistral and gpt2 model types (peft 0.21.2 ` +
                `tuners/adaption_prompt/config.py, TRANSFORMERS_MODEL_CONFIG); get_peft_model ` +
                `refuses a ${m.modelType} model.`,
            ],
      });
    }
    case 'ln_tuning': {
      // PEFT's LNTuningLayer deep-copies each targeted norm and trains the copy; the original stays frozen
      // (peft tuners/ln_tuning/layer.py), so the copy is added and the whole base stays frozen. Names match
      // as PEFT matches them: the module's own name (OPT's per-layer and final `final_layer_norm` both).
      const { names, isDefault } = lnTuningTargets(m);
      const layout = normLayout(m);
      const perLayer = layout.perLayer.filter((n) => names.includes(n.name)).reduce((s, n) => s + n.size, 0);
      const finalNorm = names.includes(layout.final.name) ? layout.final.size : 0;
      const trainable = L * perLayer + finalNorm;
      const notes = isDefault
        ? [`PEFT's default LN-tuning targets for ${m.modelType}: ${names.join(', ')} (peft utils/constants.py).`]
        : [
            `PEFT has no default LN-tuning targets for ${m.modelType}: LNTuningConfig needs target_modules=[` +
              `${names.map((n) => `"${n}"`).join(', ')}] (counted here), or get_peft_model refuses.`,
          ];
      return done({
        adapted: [],
        trainableParams: trainable,
        addedParams: trainable,
        formula: 'L · Σ targeted per-layer norm sizes + final norm (if targeted)',
        substituted: `${L} · ${fmt(perLayer)} + ${fmt(finalNorm)} = ${fmt(trainable)}`,
        notes,
      });
    }
  }
}
