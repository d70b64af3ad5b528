/**
 * One colour per technique across every chart and table, and one per memory part, from colour-blind
 * safe palettes (Okabe–Ito first, then Paul Tol's muted scheme). Nothing relies on colour alone:
 * charts have legends, labels and a data table.
 */
import type { TechniqueKind } from '../../shared/domain/plan';
import type { PartKey } from '../../shared/estimate/memory';

export const TECHNIQUE_COLORS: Record<TechniqueKind, string> = {
  full: '#0072B2',
  lora: '#E69F00',
  qlora: '#009E73',
  dora: '#D55E00',
  ia3: '#CC79A7',
  prompt_tuning: '#56B4E9',
  prefix_tuning: '#999933',
  p_tuning: '#882255',
  vera: '#44AA99',
  loha: '#332288',
  lora_fa: '#117733',
  ln_tuning: '#AA4499',
  adaption_prompt: '#888888',
};

export const PART_COLORS: Record<PartKey, string> = {
  frozenWeights: '#0072B2',
  trainableWeights: '#56B4E9',
  gradients: '#009E73',
  optimizerStates: '#E69F00',
  activations: '#D55E00',
  logits: '#CC79A7',
  optimizerTransients: '#F0E442',
  communication: '#882255',
  allocatorSlack: '#BBBBBB',
  cudaContext: '#777777',
};
