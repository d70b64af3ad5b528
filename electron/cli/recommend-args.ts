/**
 * `tuneplan estimate plan.json --recommend [--sort cost|time] [--budget USD] [--deadline HOURS] [--max-gpus N]
 * [--owned-only] [--profile probe.json]...` (issue 14 item 3): the flags as RecommendOptions (they override the
 * plan's goals), the profiles as owned hardware, and the recommendation as text.
 */
import fs from 'node:fs';
import path from 'node:path';
import { MachineProbeSchema } from '../../shared/domain/machine';
import { duration, gib, usd } from '../../shared/format';
import { ownedFromProbe, type OwnedHardware } from '../../shared/estimate/owned-hardware';
import {
  RECOMMEND_SORTS,
  type Recommendation,
  type RecommendOptions,
  type RecommendSort,
} from '../../shared/estimate/recommend';
import { issuesFromZod } from '../../shared/result';
import { stripBom } from '../../shared/text';

export const RECOMMEND_USAGE =
  '  tuneplan estimate <plan.json> --recommend [--sort cost|time] [--budget USD] [--deadline HOURS]\n' +
  `                   [--max-gpus N] [--owned-only] [--profile probe.json]...
                                                          rank hardware × GPU count × technique at the plan's global
                                                          batch; owned hardware = the plan's GPU and each --profile
                                                          (what \`tuneplan probe --json\` writes)`;

/** The flags of --recommend; parseArgs gives `true` for a valued flag written without its value. */
export interface RecommendFlags {
  recommend?: boolean | string;
  sort?: Array<string | boolean> | string | boolean;
  budget?: Array<string | boolean> | string | boolean;
  deadline?: Array<string | boolean> | string | boolean;
  'max-gpus'?: Array<string | boolean> | string | boolean;
  'owned-only'?: boolean | string;
  profile?: Array<string | boolean> | string | boolean;
}

export class RecommendArgError extends Error {}

function values(v: RecommendFlags[keyof RecommendFlags]): Array<string | boolean> {
  return Array.isArray(v) ? v : v === undefined ? [] : [v];
}

function text(flags: RecommendFlags, name: 'sort' | 'budget' | 'deadline' | 'max-gpus'): string | undefined {
  const v = values(flags[name])[0];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.trim() === '') throw new RecommendArgError(`--${name} needs a value`);
  return v.trim();
}

function positive(flags: RecommendFlags, name: 'budget' | 'deadline', unit: string): number | undefined {
  const raw = text(flags, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0)
    throw new RecommendArgError(`--${name} must be a positive number of ${unit}, not "${raw}"`);
  return n;
}

/** Reads a profile: a probe (`tuneplan probe --json`) or a stored profile `{ name, probe }` as the app keeps them. */
export function readProfile(file: string): OwnedHardware {
  let json: unknown;
  try {
    json = JSON.parse(stripBom(fs.readFileSync(file, 'utf8')));
  } catch (error) {
    throw new RecommendArgError(`--profile ${file}: ${(error as Error).message}`);
  }
  const stored =
    typeof json === 'object' && json !== null && 'probe' in json ? (json as { probe: unknown; name?: unknown }) : null;
  const parsed = MachineProbeSchema.safeParse(stored ? stored.probe : json);
  if (!parsed.success)
    throw new RecommendArgError(
      `--profile ${file} is not a machine probe ` +
        `(write one with \`tuneplan probe --json > ${path.basename(file)}\`):\n` +
        issuesFromZod(parsed.error)
          .map((i) => `  ${stored ? 'probe.' : ''}${i.path}: ${i.message}`)
          .join('\n'),
    );
  const name = typeof stored?.name === 'string' && stored.name ? stored.name : path.basename(file);
  return ownedFromProbe(parsed.data, { id: `profile:${path.basename(file)}`, origin: 'profile', name });
}

/** The recommendation's options from the flags; null without --recommend (and then no other flag of it may appear). */
export function recommendOptionsFrom(
  flags: RecommendFlags,
  read: (file: string) => OwnedHardware = readProfile,
): RecommendOptions | null {
  const given = (['sort', 'budget', 'deadline', 'max-gpus', 'owned-only', 'profile'] as const).filter(
    (k) => flags[k] !== undefined,
  );
  if (flags.recommend !== true) {
    if (given.length) throw new RecommendArgError(`--${given[0]} only applies with --recommend`);
    return null;
  }
  const options: RecommendOptions = {};
  const sort = text(flags, 'sort');
  if (sort !== undefined) {
    if (!(RECOMMEND_SORTS as readonly string[]).includes(sort))
      throw new RecommendArgError(`--sort must be ${RECOMMEND_SORTS.join(' or ')}, not "${sort}"`);
    options.sort = sort as RecommendSort;
  }
  const budget = positive(flags, 'budget', 'US dollars');
  if (budget !== undefined) options.budgetUsd = budget;
  const deadline = positive(flags, 'deadline', 'hours');
  if (deadline !== undefined) options.deadlineHours = deadline;
  const maxGpus = text(flags, 'max-gpus');
  if (maxGpus !== undefined) {
    const n = Number(maxGpus);
    if (!Number.isInteger(n) || n < 1 || n > 1024)
      throw new RecommendArgError(`--max-gpus must be a whole number from 1 to 1024, not "${maxGpus}"`);
    options.maxGpus = n;
  }
  if (flags['owned-only'] !== undefined) options.ownedOnly = flags['owned-only'] === true;
  const profiles = values(flags.profile).map((f) => {
    if (typeof f !== 'string' || f === '') throw new RecommendArgError('--profile needs a file: --profile probe.json');
    return read(f);
  });
  if (profiles.length) options.owned = profiles;
  return options;
}

/** The recommendation as text, under the estimate table: the first ten ranked, and what needs the user's figures. */
export function formatRecommendation(rec: Recommendation, top = 10): string {
  const filters = [
    rec.filters.budgetUsd !== null ? `within ${usd(rec.filters.budgetUsd)}` : null,
    rec.filters.deadlineHours !== null ? `within ${rec.filters.deadlineHours} h` : null,
    `up to ${rec.filters.maxGpus} GPUs`,
    rec.filters.ownedOnly ? 'your hardware only' : null,
  ].filter(Boolean);
  const lines = [
    `Recommendation: global batch ${rec.globalBatch} kept, sorted by ${rec.sortedBy}, ${filters.join(', ')}; ` +
      `${rec.ranked.length} ranked of ${rec.fitting} that fit ` +
      `(${rec.considered.toLocaleString('en-US')} splits tried).`,
    ...rec.ranked
      .slice(0, top)
      .map(
        (o, i) =>
          `  ${i + 1}. ${o.technique} on ${o.gpus} × ${o.gpuName}${o.owned ? ' (your hardware)' : ''}, ` +
          `micro-batch ${o.microBatch} × accumulation ${o.gradAccum}: ${duration(o.wallSeconds)}, ` +
          `${o.costUsd === null ? (o.owned ? 'no price entered' : 'no price known') : usd(o.costUsd)}, ` +
          `${gib(o.nvidiaSmiBytes)} per GPU${o.fitState === 'may-not-fit' ? ' (may not fit)' : ''}`,
      ),
    ...(rec.ranked.length > top ? [`  … ${rec.ranked.length - top} more in --json`] : []),
    ...(rec.ranked.length === 0 ? ['  Nothing fits within these limits; see "rejected" in --json for why.'] : []),
    ...rec.needsFigures.map((n) => `Needs your figures: ${n.label}. ${n.note} ${n.howToEnter}`),
    ...(rec.skippedGpuCounts.length
      ? [
          `Skipped GPU counts ${rec.skippedGpuCounts.map((s) => s.gpus).join(', ')}: ` +
            `the global batch of ${rec.globalBatch} is not a multiple of them.`,
        ]
      : []),
  ];
  return lines.join('\n');
}
