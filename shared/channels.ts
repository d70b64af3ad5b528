/**
 * Channel names and the method names the preload exposes for them. No zod here: the sandboxed
 * preload bundles this file and nothing else from shared/.
 */
export const CHANNELS = [
  'app:info',
  'plans:list',
  'plans:get',
  'plans:save',
  'plans:delete',
  'models:list',
  'models:save',
  'models:delete',
  'models:fetchHubConfig',
  'system:probe',
  'profiles:list',
  'profiles:save',
  'profiles:delete',
  'runs:list',
  'runs:save',
  'runs:delete',
  'backups:list',
  'backups:restore',
  'desktop:savePdf',
  'desktop:openJson',
  'desktop:openPath',
  'data:analyze',
  'data:progress',
  'data:cancel',
] as const;
export type Channel = (typeof CHANNELS)[number];

/** `plans:save` → `plansSave`: the method name under `window.tuneplan`. */
export function methodName(channel: Channel): string {
  const [domain, verb] = channel.split(':') as [string, string];
  return domain + verb.charAt(0).toUpperCase() + verb.slice(1);
}

export function isChannel(value: unknown): value is Channel {
  return typeof value === 'string' && (CHANNELS as readonly string[]).includes(value);
}
