/**
 * The plan's file format: versioned (`schemaVersion`), stable (schema key order, two-space indent,
 * trailing newline) so exports diff well, and strict on import: size, depth, version, JSON syntax and
 * every field are checked before anything is stored.
 */
import { z } from 'zod';
import { PLAN_SCHEMA_VERSION, PlanSchema, type Plan } from '../domain/plan';
import { issuesFromZod, type Issue } from '../result';

export const MAX_PLAN_FILE_BYTES = 5 * 1024 * 1024;
export const MAX_PLAN_DEPTH = 32;

/** Upgrades an older plan file to the current schema; one entry per earlier version. */
const MIGRATIONS: Record<number, (json: Record<string, unknown>) => Record<string, unknown>> = {
  // Version 1 is the first published format; files without schemaVersion are read as version 1.
};

export function planToJson(plan: Plan): string {
  return `${JSON.stringify(PlanSchema.parse(plan), null, 2)}\n`;
}

export type PlanFileResult = { ok: true; plan: Plan } | { ok: false; message: string; issues: Issue[] };

function depthOf(value: unknown): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (d > max) max = d;
    if (d > MAX_PLAN_DEPTH) return d;
    if (v && typeof v === 'object') for (const child of Object.values(v)) stack.push([child, d + 1]);
  }
  return max;
}

export function parsePlanText(text: string): PlanFileResult {
  const bytes = new TextEncoder().encode(text).length;
  if (bytes > MAX_PLAN_FILE_BYTES)
    return {
      ok: false,
      message: `The file is ${(bytes / 1024 / 1024).toFixed(1)} MB; a plan file may be at most 5 MB.`,
      issues: [{ path: '(root)', message: 'file too large' }],
    };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return {
      ok: false,
      message: `The file is not valid JSON (${(e as Error).message}).`,
      issues: [{ path: '(root)', message: 'not JSON' }],
    };
  }
  return parsePlanValue(json);
}

export function parsePlanValue(json: unknown): PlanFileResult {
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    return {
      ok: false,
      message: 'A plan file holds one JSON object.',
      issues: [{ path: '(root)', message: 'must be an object' }],
    };
  if (depthOf(json) > MAX_PLAN_DEPTH)
    return {
      ok: false,
      message: `The file nests deeper than ${MAX_PLAN_DEPTH} levels; a plan never does.`,
      issues: [{ path: '(root)', message: 'nested too deep' }],
    };
  let record = json as Record<string, unknown>;
  const version = record.schemaVersion ?? 1;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    return {
      ok: false,
      message: 'schemaVersion: must be a whole number from 1.',
      issues: [{ path: 'schemaVersion', message: 'must be a whole number from 1' }],
    };
  }
  if (version > PLAN_SCHEMA_VERSION) {
    return {
      ok: false,
      message: `schemaVersion: this plan was written by a newer Tuneplan (format ${version}; this version reads up to ${PLAN_SCHEMA_VERSION}). Update Tuneplan to import it.`,
      issues: [{ path: 'schemaVersion', message: `newer than ${PLAN_SCHEMA_VERSION}` }],
    };
  }
  for (let v = version; v < PLAN_SCHEMA_VERSION; v++) record = (MIGRATIONS[v] ?? ((x) => x))(record);
  const parsed = PlanSchema.safeParse({ ...record, schemaVersion: PLAN_SCHEMA_VERSION });
  if (!parsed.success) {
    const issues = issuesFromZod(parsed.error);
    return {
      ok: false,
      message: `The plan is invalid: ${issues
        .slice(0, 10)
        .map((i) => `${i.path}: ${i.message}`)
        .join('; ')}${issues.length > 10 ? `; and ${issues.length - 10} more` : ''}. Nothing was imported.`,
      issues,
    };
  }
  return { ok: true, plan: parsed.data };
}

/** The JSON Schema of the plan file, generated from the zod schema (committed as shared/exporters/plan.schema.json). */
export function planJsonSchema(): unknown {
  return {
    $id: 'https://tuneplan.local/schemas/plan-v1.json',
    title: 'Tuneplan plan',
    ...z.toJSONSchema(PlanSchema, { io: 'input', unrepresentable: 'any' }),
  };
}
