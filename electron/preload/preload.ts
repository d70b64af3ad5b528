/**
 * The sandboxed preload: exposes exactly one method per contract channel under `window.tuneplan`,
 * each forwarding one input object to the main process. Bundled to a single CJS file because
 * sandboxed preloads cannot require local files.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { CHANNELS, methodName } from '../../shared/channels';

const api: Record<string, (input?: unknown) => Promise<unknown>> = {};
for (const channel of CHANNELS) {
  api[methodName(channel)] = (input?: unknown) => ipcRenderer.invoke(channel, input ?? {});
}
contextBridge.exposeInMainWorld('tuneplan', Object.freeze(api));
