/** The app version, injected at build time by esbuild and Vite (`__TUNEPLAN_VERSION__`). */
declare const __TUNEPLAN_VERSION__: string | undefined;

export const APP_VERSION: string = typeof __TUNEPLAN_VERSION__ === 'string' ? __TUNEPLAN_VERSION__ : '0.0.0-dev';
