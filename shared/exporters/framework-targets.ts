/**
 * The export targets for other training frameworks (issue 18 item 4), one file each; training.ts dispatches to them.
 */
import type { Plan } from '../domain/plan';
import { axolotlFiles } from './axolotl';
import type { FrameworkFile } from './framework-context';
import { llamaFactoryFiles } from './llama-factory';
import { torchtuneFiles } from './torchtune';

export const FRAMEWORK_FORMATS = ['llama-factory', 'axolotl', 'torchtune'] as const;
export type FrameworkFormat = (typeof FRAMEWORK_FORMATS)[number];

export const FRAMEWORK_EXPORTERS: Record<
  FrameworkFormat,
  (plan: Plan, index: number, version: string) => FrameworkFile[]
> = {
  'llama-factory': llamaFactoryFiles,
  axolotl: axolotlFiles,
  torchtune: torchtuneFiles,
};

export const isFrameworkFormat = (f: string): f is FrameworkFormat =>
  (FRAMEWORK_FORMATS as readonly string[]).includes(f);
