/**
 * The BrowserWindow webPreferences, kept here (no `electron` import) so a unit test can hold them
 * to the Electron security checklist (https://www.electronjs.org/docs/latest/tutorial/security).
 */
export function webPreferences(preloadPath: string) {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webviewTag: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    enableBlinkFeatures: '',
    spellcheck: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
  } as const;
}

export const WEB_PREFERENCES = webPreferences('<preload>');
