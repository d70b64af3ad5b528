/**
 * Environment variables that make the desktop app load code from somewhere else (issue 11 item 12).
 * `npm start` and the tests run the unpackaged app and point it at a freshly built native module or
 * renderer; an installed (packaged) app must not, or anyone who can set its environment could make it
 * load their own `.node` library or scripts. The packaged app's code comes only from its asar and
 * resources (see the fuses in build/electron-builder.config.cjs: no ELECTRON_RUN_AS_NODE, no
 * NODE_OPTIONS, no --inspect outside test builds). Pure: no `electron` import, unit-tested in Node.
 */

/** Every variable that loads code. TUNEPLAN_DATA_DIR is not one: it only chooses where data lives. */
export const CODE_LOADING_VARIABLES = ['TUNEPLAN_NATIVE_BINDING', 'TUNEPLAN_RENDERER_DIR'] as const;

export interface DevOverrides {
  /** better-sqlite3 built for Electron's ABI (build/scripts/build-native-electron.mjs). */
  nativeBinding?: string;
  /** A renderer build to serve on app:// instead of the bundled one. */
  rendererDir?: string;
  /** Variables that were set but ignored, so the caller can say so. */
  ignored: string[];
}

export function devOverrides(
  env: Readonly<Record<string, string | undefined>>,
  options: { packaged: boolean },
): DevOverrides {
  const set = CODE_LOADING_VARIABLES.filter((name) => (env[name] ?? '') !== '');
  if (options.packaged) return { ignored: [...set] };
  const out: DevOverrides = { ignored: [] };
  if (env.TUNEPLAN_NATIVE_BINDING) out.nativeBinding = env.TUNEPLAN_NATIVE_BINDING;
  if (env.TUNEPLAN_RENDERER_DIR) out.rendererDir = env.TUNEPLAN_RENDERER_DIR;
  return out;
}
