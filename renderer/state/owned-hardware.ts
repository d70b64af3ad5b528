/**
 * The user's own hardware for the recommendation (issue 14.3): the plan's GPU (recommend.ts adds it itself), this
 * machine (`system:probe`), saved machine profiles (`profiles:list`) and figures the user entered for hardware the
 * catalog cannot describe ("needs your figures"). One rule for turning a probe into hardware: shared
 * `ownedFromProbe`, the same the CLI's `--profile` uses.
 *
 * The screen provides it through a context so the results feature can read it without importing the machine
 * feature (features do not import each other).
 */
import { createContext } from 'react';
import type { StoredProfile } from '../../shared/contract';
import type { MachineProbe } from '../../shared/domain/machine';
import type { GpuRef } from '../../shared/domain/plan';
import {
  ownedFromCustom,
  ownedFromProbe,
  type HardwareKind,
  type OwnedHardware,
} from '../../shared/estimate/owned-hardware';

export type CustomGpu = Extract<GpuRef, { source: 'custom' }>;

/** Figures the user entered, by owned-hardware id ('machine', 'profile:<id>', 'plan'). */
export type EnteredFigures = Record<
  string,
  Pick<CustomGpu, 'memoryGiB' | 'bf16Tflops' | 'bandwidthGBs'> & { deviceKind: HardwareKind }
>;

export interface OwnedSources {
  probe: MachineProbe | null;
  /** Loaded when the recommendation runs, so a profile saved a moment ago is included. */
  loadProfiles: () => Promise<StoredProfile[]>;
  figures: EnteredFigures;
  setFigures: (ownedId: string, figures: EnteredFigures[string] | null) => void;
  /** The plan's own GPU needs figures: they go into the plan (hardware.gpu becomes a custom GPU). */
  setPlanGpu: (gpu: CustomGpu) => void;
}

export const OwnedHardwareContext = createContext<OwnedSources | null>(null);

/**
 * The name a custom GPU gets from owned hardware: its label without the count ("2 × "). The name carries the device
 * kind where the plan has no other place for it (shared deviceKindOfRef: "CPU only: …" is a CPU, "Apple M…" is
 * unified memory), so a CPU entered here stays a CPU once applied to the plan.
 */
export function customName(owned: Pick<OwnedHardware, 'label'>, kind: HardwareKind): string {
  const name = owned.label.replace(/^\d+ × /, '');
  return (kind === 'cpu' && !/^CPU only\b/i.test(name) ? `CPU only: ${name}` : name).slice(0, 100);
}

/** Owned hardware with the user's figures in place of the missing ones (then usable: a custom GPU). */
export function withFigures(owned: OwnedHardware, figures: EnteredFigures): OwnedHardware {
  const entered = figures[owned.id];
  if (!entered || owned.missing.length === 0) return owned;
  const { deviceKind, ...figs } = entered;
  const custom = ownedFromCustom({ source: 'custom', name: customName(owned, deviceKind), ...figs }, owned.count);
  return {
    ...custom,
    id: owned.id,
    origin: owned.origin,
    deviceKind,
    label: `${owned.label}, your figures`,
    price: owned.price,
  };
}

/** This machine and the saved profiles as owned hardware, with entered figures applied. */
export function ownedList(
  probe: MachineProbe | null,
  profiles: readonly StoredProfile[],
  figures: EnteredFigures,
): OwnedHardware[] {
  const list: OwnedHardware[] = [];
  if (probe) list.push(ownedFromProbe(probe, { id: 'machine', origin: 'machine', name: 'this machine' }));
  for (const p of profiles)
    list.push(ownedFromProbe(p.probe, { id: `profile:${p.id}`, origin: 'profile', name: `profile “${p.name}”` }));
  return list.map((o) => withFigures(o, figures));
}
