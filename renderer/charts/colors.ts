/**
 * One colour per technique across every chart and table, and one per memory part, from colour-blind
 * safe palettes (Okabe–Ito first, then Paul Tol's muted scheme). Nothing relies on colour alone:
 * charts have legends, labels and a data table.
 */
import type { TechniqueKind } from '../../shared/domain/plan';
import type { PartKey } from '../../shared/estimate/memory';
import type { PhaseKey } from './chart-data';

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
  referenceModel: '#332288',
  // Tol's olive: apart from the gradients' bluish green under deuteranopia (a teal was not), dark enough for white.
  generation: '#999933',
  optimizerTransients: '#F0E442',
  communication: '#882255',
  allocatorSlack: '#BBBBBB',
  cudaContext: '#777777',
};

/**
 * Where a part's light-theme colour reads badly on the dark panel (styles.css `--panel` #1f2126): Tol's indigo
 * #332288 is 1.2:1 against it, so the reference model takes the same hue lightened (about 5:1). The rest read in
 * both themes and keep one colour.
 */
export const PART_COLORS_DARK: Partial<Record<PartKey, string>> = {
  referenceModel: '#9988EE',
};

/** A memory part's colour in the current theme (`dark` from `usePrefersDark`). */
export function partColor(part: PartKey, dark: boolean): string {
  return (dark ? PART_COLORS_DARK[part] : undefined) ?? PART_COLORS[part];
}

/**
 * One colour per phase, in light and dark: generation and the reference forwards take the colours of their memory
 * parts (the generation engine's olive, the reference model's indigo), so the two charts tell one story; the update
 * takes Tol's muted rose.
 */
export const PHASE_COLORS: Record<PhaseKey, { light: string; dark: string }> = {
  generation: { light: PART_COLORS.generation, dark: PART_COLORS.generation },
  reference: { light: PART_COLORS.referenceModel, dark: PART_COLORS_DARK.referenceModel ?? PART_COLORS.referenceModel },
  update: { light: '#CC6677', dark: '#DD8899' },
};
