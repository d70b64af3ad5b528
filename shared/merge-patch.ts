/**
 * JSON Merge Patch, RFC 7386 §2 (https://www.rfc-editor.org/rfc/rfc7386#section-2): a patch object's members
 * replace the target's, recursively for objects; `null` removes a member; anything that is not an object
 * (arrays included) replaces the target whole. Pure: neither argument is modified.
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The RFC's MergePatch(Target, Patch) pseudocode, line for line. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const result: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [name, value] of Object.entries(patch)) {
    if (value === null) delete result[name];
    else result[name] = applyMergePatch(result[name], value);
  }
  return result;
}
