/**
 * Where Tuneplan keeps its data. Matches Electron's `app.getPath('userData')` for productName
 * "Tuneplan" so desktop and browser mode share one folder; TUNEPLAN_DATA_DIR overrides both.
 */
import os from 'node:os';
import path from 'node:path';

export const APP_DIR_NAME = 'Tuneplan';

export function resolveDataDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = os.homedir(),
): string {
  const override = env.TUNEPLAN_DATA_DIR?.trim();
  if (override) return path.resolve(override);
  // Electron's appData: %APPDATA% on Windows, ~/Library/Application Support on macOS,
  // $XDG_CONFIG_HOME or ~/.config elsewhere (https://www.electronjs.org/docs/latest/api/app#appgetpathname).
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), APP_DIR_NAME);
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', APP_DIR_NAME);
  return path.join(env.XDG_CONFIG_HOME?.trim() || path.join(home, '.config'), APP_DIR_NAME);
}
