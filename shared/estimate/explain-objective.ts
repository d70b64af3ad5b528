/**
 * Issue 19: the explanations of what the objective adds — the reference model, GRPO's generation engine and the
 * run's time by phase — each with its formula, the plan's numbers and the TRL/vLLM source it follows. SFT plans get
 * none of them (their figures are explain.ts's).
 */
import { gib as formatGib } from '../format';
import type { Explanation, ExplainContext } from './explain';
import { objectiveAt } from './memory';
import { OBJECTIVE_LABELS, OBJECTIVE_TRAINERS, effectiveBeta, isPaired, vllmMaxModelLength } from './objective';
import { describeAssumption } from './time';

const gib = (bytes: number) => formatGib(bytes, 2, { grouping: false });
const n = (x: number) => Math.round(x).toLocaleString('en-US');
const sec = (x: number) => `${x.toFixed(1)} s`;

export function explainObjective(c: ExplainContext): Explanation[] {
  const o = c.plan.objective;
  if (o.kind === 'sft') return [];
  return [explainBatch(c), explainReference(c), ...(o.kind === 'grpo' ? [explainGeneration(c)] : []), explainPhases(c)];
}

function explainBatch(c: ExplainContext): Explanation {
  const o = c.plan.objective;
  const b = c.plan.training.microBatch;
  const paired = isPaired(o.kind);
  const seqs = o.kind === 'grpo' ? b : paired ? 2 * b : b;
  const s = c.mem.seqLen;
  return {
    key: 'objective.batch',
    label: `${OBJECTIVE_LABELS[o.kind]} micro-batch`,
    value: seqs,
    unit: 'sequences',
    formula: paired
      ? 'sequences = 2 × micro-batch (chosen and rejected stacked along the batch), each ≤ max_length'
      : o.kind === 'grpo'
        ? 'sequences = micro-batch completions of prompt + completion tokens'
        : 'sequences = micro-batch',
    substituted: paired
      ? `2 × ${b} pairs = ${seqs} sequences of ${n(s)} tokens`
      : `${seqs} sequences of ${n(s)} tokens`,
    sources: o.kind === 'grpo' ? ['trlGrpo'] : ['trlPreference'],
    note:
      `Trained with ${OBJECTIVE_TRAINERS[o.kind]}. ` +
      (paired
        ? 'DPO pads chosen and rejected to one length and concatenates them (DataCollatorForPreference.torch_call); ' +
          'ORPO/CPO do the same in concatenated_forward; the reward model scores both in one forward.'
        : o.kind === 'kto'
          ? 'KTO is unpaired: one completion per example, plus a mismatched KL completion scored without gradient.'
          : `GRPO: each prompt is sampled ${o.numGenerations} times; TRL's generation batch (micro-batch × GPUs × ` +
            'accumulation) divides by num_generations.'),
  };
}

function explainReference(c: ExplainContext): Explanation {
  const o = c.plan.objective;
  const profile = c.prepared.profile;
  const mode = profile.reference;
  const extra = objectiveAt(profile, c.plan.training.microBatch * (isPaired(o.kind) ? 2 : 1), c.mem.seqLen);
  const beta = effectiveBeta(o);
  const shards = profile.arch.totalParams * profile.bytes.baseWeight > 0 ? profile.shardGpus : 1;
  const base = {
    key: 'memory.referenceModel',
    label: 'Reference model',
    value: c.mem.parts.referenceModel,
    unit: 'bytes',
    sources: [o.kind === 'grpo' ? ('trlGrpo' as const) : ('trlPreference' as const)],
  };
  if (mode === 'none')
    return {
      ...base,
      formula: 'none',
      substituted: '0 B',
      note:
        o.kind === 'grpo'
          ? `β = ${beta}: GRPOTrainer loads no reference model when β is 0 (GRPOConfig.beta default 0.0).`
          : `${OBJECTIVE_LABELS[o.kind]} compares no reference policy: no second model, no extra forward.`,
    };
  if (mode === 'precomputed')
    return {
      ...base,
      formula: '0 at training time; one forward pass over the data before it',
      substituted: `0 B during training; the precompute pass takes ${sec(c.time.objective.precomputeSeconds)}`,
      note:
        'precompute_ref_log_probs: DPOTrainer._precompute_ref_logps scores the training set once and stores the ' +
        'log-probs as dataset columns; no reference model stays in memory (DPOTrainer.__init__ sets ref_model None).',
    };
  const weights = profile.referenceWeights;
  const terms = profile.referenceTerms;
  const whole = terms.reduce((s, t) => s + t.params * t.bytes, 0);
  const perShard = shards > 1 && weights < whole ? ` / ${shards}` : '';
  // Each term as loaded: parameters × bytes (QLoRA: the quantized linear weights and the 16-bit rest).
  const product = terms.map((t) => `${n(t.params)} × ${+t.bytes.toFixed(4)} B`).join(' + ');
  const copyBytes = `${terms.length > 1 ? `(${product})` : product}${perShard} = ${gib(weights)}`;
  const withForward = o.kind !== 'grpo' && c.mem.parts.referenceModel > weights;
  // GRPO scores the reference while generating (GRPOTrainer._generate_and_score_completions, under torch.no_grad),
  // before the update's forward: its activations are not on top of the policy's (memory.ts objectiveAt).
  const when =
    o.kind === 'grpo'
      ? 'Its log-probs are computed under torch.no_grad in _generate_and_score_completions, right after the ' +
        'completions are generated and before the update (not on top of its saved activations).'
      : 'Its forward runs under torch.no_grad after the policy forward: nothing is saved for backward, one layer at ' +
        'a time.';
  const grpoPeft =
    o.kind === 'grpo' && mode === 'peft_base' && o.reference !== 'peft_base'
      ? ` GRPOTrainer takes no reference choice: under PEFT it always sets ref_model None and disables the adapter ` +
        `(trl/trainer/grpo_trainer.py:987-990), whatever objective.reference ("${o.reference}") says.`
      : '';
  return {
    ...base,
    formula:
      (mode === 'copy'
        ? 'P × load bytes (the policy’s dtype; QLoRA: quantized linear weights + 16-bit rest) ' +
          '(÷ N under ZeRO-3 / FSDP full shard)'
        : '0 weights (adapter disabled)') +
      (o.kind === 'grpo' ? '' : ' + no-grad forward: b·s·(2h + max(3I, 2q + 2kv))·a + b·s·h·a + log-prob tile'),
    // The forward's bytes are in the part's value only at the forward peak (memory.ts: referenceModel adds
    // referenceForward in the forward phase); elsewhere they are named apart so the sum stays right.
    substituted:
      `${mode === 'copy' ? copyBytes : '0 B'}` +
      (withForward
        ? ` + forward ${gib(c.mem.parts.referenceModel - weights)} = ${gib(c.mem.parts.referenceModel)}`
        : '') +
      ` at the ${c.mem.phase} peak` +
      (o.kind !== 'grpo' && !withForward && extra.referenceForward > 0
        ? ` (its no-grad forward, ${gib(extra.referenceForward)}, exists only at the forward moment)`
        : ''),
    note:
      (mode === 'copy'
        ? 'A frozen copy built like the policy (create_model_from_path with its dtype and quantization). ' + when
        : 'The PEFT base: the same weights with the adapter disabled (use_adapter / disable_adapter): ' +
          `no second copy, a second forward. ${when}`) + grpoPeft,
  };
}

function explainGeneration(c: ExplainContext): Explanation {
  const o = c.plan.objective;
  const profile = c.prepared.profile;
  const g = profile.generation;
  const gt = c.time.objective.generation;
  const assumptions = gt ? [describeAssumption(gt.efficiency)] : [];
  const timing = gt
    ? ` Time per step: ${n(gt.sequences)} sequences, ${n(gt.concurrent)} at once ` +
      `(${gt.waves} round${gt.waves > 1 ? 's' : ''}) × ` +
      `${n(o.completionTokens)} decode steps × ${(gt.decodeStepSeconds * 1e3).toFixed(2)} ms (weights ` +
      `${gib(gt.weightBytesPerGpu)} + ` +
      (gt.dequantBytesPerStepPerGpu > 0 ? `16-bit dequantized copy ${gib(gt.dequantBytesPerStepPerGpu)} + ` : '') +
      `KV ${gib(gt.kvBytesPerStepPerGpu)} read per step ` +
      `at ${c.gpu.bandwidthGBs} GB/s × ` +
      `efficiency) + prefill ${sec(gt.prefillSeconds)} + weight sync ${sec(gt.syncSeconds)} = ${sec(gt.stepSeconds)}.` +
      (gt.dequantBytesPerStepPerGpu > 0
        ? ' vLLM runs the 4-bit base through bitsandbytes, whose fused 4-bit kernel serves at most 4 rows ' +
          '(backends/cuda/ops.py _GEMM_4BIT_CUSTOM_FLOOR_M); a batched decode dequantizes each weight to 16 bits and ' +
          'calls F.linear (autograd/_functions.py matmul_4bit), writing and reading that copy every step.'
        : '')
    : '';
  const inGeneration = c.mem.phase === 'generation';
  const common = {
    key: 'memory.generation',
    label: 'Generation engine (vLLM weights + KV cache)',
    value: c.mem.parts.generation,
    unit: 'bytes',
    sources: ['trlGrpo' as const, 'vllmMemory' as const],
    assumptions,
  };
  if (g.engine === 'vllm_colocate')
    return {
      ...common,
      formula:
        'gpu_memory_utilization × GPU memory (vLLM weights ÷ tensor parallel + KV cache, taken up front)' +
        (g.sleepMode
          ? '; sleep mode: only while generating, peak = max(generation, update)'
          : '; held through the update'),
      substituted:
        `${o.vllmGpuMemoryUtilization} × ${gib(c.gpu.memoryBytes)} = ${gib(g.vllmShareBytes)} (weights ` +
        `${gib(g.vllmWeightsBytes)}, KV cache ${gib(Math.max(0, g.vllmShareBytes - g.vllmWeightsBytes))} = ` +
        `${n(gt?.kvCapacityTokens ?? 0)} tokens at ${n(g.kvBytesPerToken)} B/token)` +
        (inGeneration ? ` + weight-sync buffer ${gib(g.weightSyncBytes)}` : g.sleepMode ? ', asleep (released)' : '') +
        ` → ${gib(c.mem.parts.generation)} at the ${c.mem.phase} peak`,
      note:
        `KV bytes per token = 2 · layers · kv_heads · head_dim · bytes; vLLM's context window is prompt + ` +
        `completion = ${n(vllmMaxModelLength(o))} tokens (vllm_max_model_length). The weight-sync buffer ` +
        `(${gib(g.weightSyncBytes)}, one gathered weight) exists only while the weights are loaded into vLLM before ` +
        'generating: it counts at the generation moment only' +
        (g.sleepMode ? ', and so does the share (sleep mode).' : '; the share is held through the update too.') +
        timing,
    };
  if (g.engine === 'vllm_server')
    return {
      ...common,
      formula: 'weight-sync buffer (one gathered weight tensor); vLLM runs on its own GPUs',
      substituted:
        `weight-sync buffer ${gib(g.weightSyncBytes)} on each training GPU while syncing → ` +
        `${gib(c.mem.parts.generation)} at the ${c.mem.phase} peak; ${o.vllmServerGpus} generation GPUs billed ` +
        'beside them',
      note:
        'The weight-sync buffer exists only while the weights are sent to the server before generating (the ' +
        `generation moment), not through the update. The server's GPUs are counted in the GPU-hours and the cost.` +
        timing,
    };
  const kv = objectiveAt(profile, c.plan.training.microBatch, c.mem.seqLen).generateKvBytes;
  return {
    ...common,
    formula:
      'generate(): KV cache = (micro-batch × accumulation) sequences × (prompt + completion) × ' +
      '2·L·kv_heads·head_dim·a ' +
      '+ prefill intermediates (+ the gathered weights under ZeRO-3)',
    substituted:
      `${n(c.plan.training.microBatch * c.plan.training.gradAccum)} × ${n(o.promptTokens + o.completionTokens)} × ` +
      `${n(g.kvBytesPerToken)} B = ${gib(kv)}; generation moment ${gib(c.mem.generationBytes)}`,
    note: `Only while generating: the peak is max(generation, update).${timing}`,
  };
}

function explainPhases(c: ExplainContext): Explanation {
  const t = c.time;
  const update = t.wallSeconds - t.generationSeconds - t.referenceSeconds;
  return {
    key: 'time.phases',
    label: 'Time by phase',
    value: t.wallSeconds,
    unit: 'seconds',
    formula: 'generation + reference forwards (or the precompute pass) + update (forward, backward, step)',
    substituted:
      `${sec(t.generationSeconds)} + ${sec(t.referenceSeconds)} + ${sec(update)} = ${sec(t.wallSeconds)} ` +
      `(${n(t.steps)} steps; reference ${t.objective.referenceStepSeconds.toFixed(3)} s and extra no-grad forwards ` +
      `${t.objective.extraForwardStepSeconds.toFixed(3)} s per step)`,
    sources: c.plan.objective.kind === 'grpo' ? ['trlGrpo'] : ['trlPreference'],
    note:
      'Forwards without gradient cost 2·P + attention FLOPs per token at the step MFU: the reference (DPO, KTO, GRPO ' +
      'with β > 0), KTO’s KL term, GRPO’s old log-probs for vLLM importance sampling (default on).',
  };
}
