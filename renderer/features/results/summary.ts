/**
 * The words the results use, as pure functions of the estimate: the one-line answer at the top of the results
 * (docs UI.md "Advice that keeps its word"), the fit wording of each technique, and memory and time with their
 * ranges. Everything here reads the same report the table and the charts draw, and the best technique comes from
 * shared/estimate/advice.ts `bestMarks`, so the sentence can never name a technique the table does not mark.
 */
import type { Objective, TechniqueKind } from '../../../shared/domain/plan';
import { bestMarks, fitState, type FitState } from '../../../shared/estimate/advice';
import type { EstimateReport, TechniqueEstimate } from '../../../shared/estimate/estimate';
import { OBJECTIVE_LABELS, referenceMode, type ReferenceMode } from '../../../shared/estimate/objective';
import { duration, GiB, usd } from '../../format';

type Device = EstimateReport['device'];

/**
 * Memory with its unit. A CPU-only estimate is rough (issue 14.7), so it is rounded: whole GiB from 10 GiB up,
 * one decimal below; a GPU figure keeps one decimal (the CLI's precision, which the e2e test compares).
 */
export function memoryText(bytes: number, device: Pick<Device, 'kind'>): string {
  const value = bytes / GiB;
  const digits = device.kind === 'cpu' && Math.abs(value) >= 10 ? 0 : 1;
  return `${value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })} GiB`;
}

/** A rounded amount for a sentence: "18 GiB" from 10 GiB up, "3.4 GiB" below ("3 GiB", not "3.0 GiB"). */
export function roughGib(bytes: number): string {
  const value = bytes / GiB;
  return `${value.toLocaleString('en-US', { maximumFractionDigits: Math.abs(value) >= 10 ? 0 : 1 })} GiB`;
}

/** "16.9–20.4" (GiB, same precision as the expected figure; the unit is said once, beside the expected figure). */
export function memoryRangeText(low: number, high: number, device: Pick<Device, 'kind'>): string {
  return `${memoryText(low, device).replace(' GiB', '')}–${memoryText(high, device)}`;
}

/**
 * Low and high wall time in one unit, chosen by the high end, so the range stays short beside its figure:
 * "37–50 min", "3.4–4.5 h", "2.1–2.9 days" (the expected figure beside it keeps `duration`'s "3 h 57 min").
 */
export function durationRangeText(low: number, high: number): string {
  const one = (v: number, digits: number) =>
    v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  if (high < 60) return `${one(low, 0)}–${one(high, 0)} s`;
  if (high < 3600) return `${one(low / 60, 0)}–${one(high / 60, 0)} min`;
  if (high < 48 * 3600) return `${one(low / 3600, 1)}–${one(high / 3600, 1)} h`;
  return `${one(low / 86400, 1)}–${one(high / 86400, 1)} days`;
}

/**
 * Where the plan trains, for a sentence: "one NVIDIA A100 80GB SXM4", "8 × NVIDIA H100 80GB",
 * "the RAM of CPU only: …".
 */
export function whereText(report: Pick<EstimateReport, 'plan' | 'device'>): string {
  if (report.device.kind === 'cpu') return `the RAM of ${report.plan.gpu}`;
  return report.plan.gpus === 1 ? `one ${report.plan.gpu}` : `${report.plan.gpus} × ${report.plan.gpu}`;
}

/**
 * The fit of one technique in words (the table's fit row, the sentence): the figure the fit compares is the
 * expected peak and its high end against the usable memory (shared/estimate/ranges.ts `fitStateFor`).
 */
export function fitText(t: TechniqueEstimate, device: Pick<Device, 'kind'>): string {
  const state = fitState(t);
  if (state === 'fits') return `fits, ${memoryText(t.fit.marginBytes, device)} spare`;
  if (state === 'may-not-fit')
    return (
      `may not fit: expected ${memoryText(t.memory.nvidiaSmiBytes, device)} fits, ` +
      `high ${memoryText(t.memory.high.nvidiaSmiBytes, device)} does not`
    );
  return `over by ${memoryText(-t.fit.marginBytes, device)}`;
}

/** Wall time for a sentence; a CPU estimate says that it is rough. */
function timeText(t: TechniqueEstimate, device: Device): string {
  return device.rough ? `about ${duration(t.wallSeconds)} (rough CPU estimate)` : duration(t.wallSeconds);
}

/** How each way of getting the reference log-probabilities reads in a sentence. */
const REFERENCE_TEXT: Record<Exclude<ReferenceMode, 'none'>, string> = {
  copy: 'a frozen reference copy',
  peft_base: 'the adapter-disabled base as reference',
  precomputed: 'precomputed reference log-probabilities',
};

/**
 * Where the reference comes from, for the techniques compared: the plan's choice, and TRL's fallback where a
 * technique cannot follow it (full fine-tuning has no adapter to disable: a copy; shared/estimate/objective.ts
 * `referenceMode`). Null when the objective has no reference (ORPO, SimPO, reward model, GRPO with β = 0).
 */
function referenceText(objective: Objective, kinds: TechniqueKind[]): string | null {
  const peft = kinds.some((k) => k !== 'full') ? referenceMode(objective, { kind: 'lora' }) : null;
  const full = kinds.includes('full') ? referenceMode(objective, { kind: 'full' }) : null;
  const first = peft ?? full;
  if (first === null || first === 'none') return null;
  if (full === null || full === 'none' || full === first) return REFERENCE_TEXT[first];
  return `${REFERENCE_TEXT[first]} (${REFERENCE_TEXT[full]} for full fine-tuning)`;
}

/** GRPO's generation engine: "vLLM colocate at 30 %" (its share of each GPU), "vLLM server on 2 GPUs". */
function engineText(objective: Objective): string {
  if (objective.generation === 'vllm_colocate') {
    const share = Math.round(objective.vllmGpuMemoryUtilization * 100);
    return `vLLM colocate at ${share} %${objective.vllmSleepMode ? ', sleep mode' : ''}`;
  }
  if (objective.generation === 'vllm_server')
    return `vLLM server on ${objective.vllmServerGpus} GPU${objective.vllmServerGpus === 1 ? '' : 's'}`;
  return 'transformers generate (no vLLM)';
}

/**
 * The plan's objective in words, for the top of the results (issue 19): "DPO with a frozen reference copy",
 * "GRPO: 8 generations × 512 tokens, vLLM colocate at 30 %". Null for SFT, which the sentence has always meant.
 * `kinds`: the techniques compared, since the reference can differ between full fine-tuning and a PEFT method.
 */
export function objectiveText(objective: Objective, kinds: TechniqueKind[]): string | null {
  const label = OBJECTIVE_LABELS[objective.kind];
  const reference = referenceText(objective, kinds);
  switch (objective.kind) {
    case 'sft':
      return null;
    case 'dpo':
    case 'ipo':
      return `${label} with ${reference ?? REFERENCE_TEXT.copy}`;
    case 'kto':
      return `${label} (unpaired examples) with ${reference ?? REFERENCE_TEXT.copy}`;
    case 'orpo':
    case 'simpo':
      return `${label} (no reference model)`;
    case 'reward':
      return `${label} (sequence-classification head on chosen and rejected pairs)`;
    case 'grpo':
      return (
        `${label}: ${objective.numGenerations} generations × ${objective.completionTokens.toLocaleString('en-US')} ` +
        `tokens, ${engineText(objective)}${reference ? `, KL to ${reference}` : ''}`
      );
  }
}

/**
 * A run's time by phase, each with its unit, where it has more than one phase: "generation 2 h 5 min, update
 * 1 h 5 min" (GRPO), "reference 37 min, update 1 h 14 min" (DPO with a reference copy). Null for a single phase.
 */
export function phasesText(t: Pick<TechniqueEstimate, 'phases'>): string | null {
  const parts: Array<[string, number]> = [
    ['generation', t.phases.generationSeconds],
    ['reference', t.phases.referenceSeconds],
    ['update', t.phases.updateSeconds],
  ];
  // Above a millisecond: wall − generation − reference leaves float residue where a phase is absent.
  const shown = parts.filter(([, seconds]) => seconds > 1e-3);
  if (shown.length < 2) return null;
  return shown.map(([name, seconds]) => `${name} ${duration(seconds)}`).join(', ');
}

function figures(t: TechniqueEstimate, device: Device, withPhases = false): string {
  const phases = withPhases ? phasesText(t) : null;
  const time = phases ? `${timeText(t, device)} (${phases})` : timeText(t, device);
  return t.costUsd === null ? time : `${time}, ${usd(t.costUsd)}`;
}

export interface ResultsSummary {
  /** The sentence shown at the top of the results. */
  text: string;
  /**
   * The fit state of the technique the sentence leads with; 'none' when nothing fits; 'hosted' for a model-as-a-service
   * plan, where the provider's GPUs run it and no fit is claimed.
   */
  state: FitState | 'none' | 'hosted';
  /** Index (in report.techniques) of the technique the sentence leads with, or of the closest when none fits. */
  index: number | null;
  /** The objective in words when it is not SFT (`objectiveText`); the text starts with it. */
  objective: string | null;
}

/**
 * The one-line answer: the technique `bestMarks` marks cheapest (fastest when no technique has a price), where it
 * fits and with how much to spare, its time and cost, and why it leads. When it only *may* fit, the sentence says
 * so and names the best technique that surely fits; when nothing fits, it names the closest and by how much.
 */
export function resultsSummary(
  report: Pick<EstimateReport, 'techniques' | 'plan' | 'device'>,
  objective?: Objective,
): ResultsSummary {
  const said = objective
    ? objectiveText(
        objective,
        report.techniques.map((t) => t.technique),
      )
    : null;
  const summary = verdictSummary(report);
  return { ...summary, text: said ? `${said}. ${summary.text}` : summary.text, objective: said };
}

/** The sentence about the techniques, without the objective (`resultsSummary` puts that first). */
function verdictSummary(
  report: Pick<EstimateReport, 'techniques' | 'plan' | 'device'>,
): Omit<ResultsSummary, 'objective'> {
  const { techniques, device } = report;
  const where = whereText(report);
  if (techniques.length === 0) return { text: 'No techniques to compare.', state: 'none', index: null };
  if (techniques[0]!.cost.mode === 'service') return hostedSummary(techniques);
  const marks = bestMarks(report);
  const leadIndex = marks.cost ?? marks.time;
  const lead = techniques.find((t) => t.index === leadIndex);
  if (!lead) {
    const closest = techniques.reduce((a, b) => (b.memory.nvidiaSmiBytes < a.memory.nvidiaSmiBytes ? b : a));
    const text =
      techniques.length === 1
        ? `${closest.label} does not fit ${where}: over by ${roughGib(-closest.fit.marginBytes)}.`
        : `Nothing fits ${where}: ${closest.label} comes closest, over by ${roughGib(-closest.fit.marginBytes)}.`;
    return { text, state: 'none', index: closest.index };
  }
  const state = fitState(lead);
  const priced = marks.cost !== null;
  const alone = techniques.length === 1;
  const fastestToo = priced && marks.time === lead.index;
  const verdict =
    state === 'fits'
      ? `${lead.label} fits ${where} with ${roughGib(lead.fit.marginBytes)} spare`
      : `${lead.label} may not fit ${where} (expected ${roughGib(lead.memory.nvidiaSmiBytes)} fits, ` +
        `high ${roughGib(lead.memory.high.nvidiaSmiBytes)} does not)`;
  const that = state === 'fits' ? 'that fits' : 'that may fit';
  const why = alone
    ? ''
    : ` — ${priced ? (fastestToo ? `cheapest and fastest ${that}` : `cheapest ${that}`) : `fastest ${that}`}`;
  let tail = '';
  if (!alone && state === 'may-not-fit') {
    // The best technique that surely fits, by the same criterion (cost when priced, else time).
    const sure = techniques
      .filter((t) => fitState(t) === 'fits')
      .sort(
        (a, b) => (priced ? (a.costUsd ?? Infinity) - (b.costUsd ?? Infinity) : 0) || a.wallSeconds - b.wallSeconds,
      )[0];
    tail = sure ? `; ${sure.label} surely fits (${figures(sure, device)})` : '; none surely fits';
  } else if (!alone && priced && marks.time !== null && marks.time !== lead.index) {
    const fastest = techniques.find((t) => t.index === marks.time)!;
    tail = `; ${fastest.label} is fastest (${figures(fastest, device)})`;
  }
  if (!priced && !alone) tail += ' (price unknown)';
  return { text: `${verdict}, ${figures(lead, device, true)}${why}${tail}.`, state, index: lead.index };
}

/**
 * Model as a service (pricing.mode 'service'): the provider trains on its own GPUs, so the sentence claims no GPU fit
 * and no GPU time — only the hosted cost (training tokens × epochs × the price per 1K tokens + hosting, shared/
 * estimate/cost.ts), or that it waits for the provider's price.
 */
function hostedSummary(techniques: TechniqueEstimate[]): Omit<ResultsSummary, 'objective'> {
  const lead = 'Model as a service: the provider fine-tunes on its own GPUs, so no GPU fit or time is claimed here';
  const costs = techniques.map((t) => t.costUsd);
  if (costs.some((c) => c === null))
    return {
      text:
        `${lead}; the hosted cost is unknown until you enter the provider’s price per 1K training tokens ` +
        '(Hardware & price).',
      state: 'hosted',
      index: null,
    };
  const known = costs as number[];
  const low = Math.min(...known);
  const high = Math.max(...known);
  const cost = usd(low) === usd(high) ? usd(low) : `${usd(low)}–${usd(high)} by technique`;
  return {
    text: `${lead}; hosted cost ${cost} (training tokens × epochs × your price per 1K tokens, plus hosting).`,
    state: 'hosted',
    index: null,
  };
}
