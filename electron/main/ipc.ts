/**
 * Registers every contract channel with Electron's ipcMain through one wrapper that checks who is
 * asking (the sender frame must be our app:// page — and it can be null when the frame navigated
 * away or was destroyed) before it validates and dispatches. No `electron` import: the tests pass a
 * fake ipcMain.
 */
import { CHANNELS } from '../../shared/channels';
import { fail, type Result } from '../../shared/result';
import type { Dispatch } from '../../shared/handlers';
import { isAppUrl } from './url-guards';

export interface IpcEventLike {
  senderFrame: { url: string } | null;
}
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcEventLike, ...args: unknown[]) => Promise<unknown>): void;
}

export function isTrustedSender(event: IpcEventLike): boolean {
  const frame = event.senderFrame;
  return frame !== null && typeof frame.url === 'string' && isAppUrl(frame.url);
}

export function registerIpc(ipcMain: IpcMainLike, dispatch: Dispatch): void {
  for (const channel of CHANNELS) {
    ipcMain.handle(channel, async (event, ...args): Promise<Result<unknown>> => {
      if (!isTrustedSender(event)) {
        return fail('FORBIDDEN', 'Request refused: it did not come from the Tuneplan window.');
      }
      if (args.length > 1) return fail('VALIDATION', 'Send one input object.');
      return dispatch(channel, args[0] ?? {});
    });
  }
}
