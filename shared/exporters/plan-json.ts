/**
 * The plan's file format: versioned (`schemaVersion`), stable (schema key order, two-space indent,
 * trailing newline) so exports diff well, and strict on import: size, depth, version, JSON syntax and
 * every field are checked before anything is stored.
 */
import { z } from 'zod';
import { PlanSchema, type Plan } from '../domain/plan';
import { readPlanDocument } from '../domain/plan-migrations';
import type { Issue } from '../result';
import { parseJsonText } from '../text';

export const MAX_PLAN_FILE_BYTES = 5 * 1024 * 1024;
export const MAX_PLAN_DEPTH = 32;

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
    // A UTF-8 BOM (Windows editors write one) is not part of the document (issue 11.8).
    json = parseJsonText(text);
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
  const read = readPlanDocument(json);
  if (!read.ok) {
    const invalid = read.message.startsWith('The plan is invalid');
    return {
      ok: false,
      message: invalid ? `${read.message} Nothing was imported.` : read.message,
      issues: read.issues,
    };
  }
  return { ok: true, plan: read.plan };
}

/** The JSON Schema of the plan file, generated from the zod schema (committed as shared/exporters/plan.schema.json). */
export function planJsonSchema(): unknown {
  return {
    $id: 'https://tuneplan.local/schemas/plan-v1.json',
    title: 'Tuneplan plan',
    ...z.toJSONSchema(PlanSchema, { io: 'input', unrepresentable: 'any' }),
  };
}
