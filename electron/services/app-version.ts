/** The app version, injected at build time by esbuild/vite (`__TUNEPLAN_VERSION__`), else from package.json at runtime. */
declare const __TUNEPLAN_VERSION__: string | undefined;

export const APP_VERSION: string = typeof __TUNEPLAN_VERSION__ === 'string' ? __TUNEPLAN_VERSION__ : '0.0.0-dev';
