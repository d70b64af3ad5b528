import { describe, expect, it } from 'vitest';
import { denyAllPermissions, guardWebContents, type WebContentsLike } from '../../../electron/main/guards';

function fakeContents() {
  const listeners: Record<string, (event: { preventDefault(): void }, url?: string) => void> = {};
  let openHandler: ((d: { url: string }) => { action: string }) | null = null;
  const contents = {
    on: (event: string, listener: (event: { preventDefault(): void }, url?: string) => void) => {
      listeners[event] = listener;
    },
    setWindowOpenHandler: (h: (d: { url: string }) => { action: string }) => {
      openHandler = h;
    },
  } as unknown as WebContentsLike;
  const fire = (event: string, url?: string) => {
    let prevented = false;
    listeners[event]!({ preventDefault: () => (prevented = true) }, url);
    return prevented;
  };
  return { contents, fire, open: (url: string) => openHandler!({ url }) };
}

describe('window guards', () => {
  it('keeps navigation and redirects on app:// and refuses webviews', () => {
    const f = fakeContents();
    guardWebContents(f.contents, () => {});
    expect(f.fire('will-navigate', 'app://tuneplan/index.html')).toBe(false);
    for (const url of ['https://example.com/', 'file:///etc/passwd', 'app://evil/', 'javascript:alert(1)']) {
      expect(f.fire('will-navigate', url), url).toBe(true);
      expect(f.fire('will-redirect', url), url).toBe(true);
    }
    expect(f.fire('will-attach-webview')).toBe(true);
  });

  it('denies window.open and sends only http(s) links to the system browser', () => {
    const opened: string[] = [];
    const f = fakeContents();
    guardWebContents(f.contents, (url) => opened.push(url));
    for (const url of ['https://arxiv.org/abs/2106.09685', 'file:///etc/passwd', 'smb://host/share', 'app://tuneplan/'])
      expect(f.open(url)).toEqual({ action: 'deny' });
    expect(opened).toEqual(['https://arxiv.org/abs/2106.09685']);
  });

  it('denies every permission request and check', () => {
    let request: ((wc: unknown, p: string, cb: (g: boolean) => void) => void) | null = null;
    let check: (() => boolean) | null = null;
    denyAllPermissions({
      setPermissionRequestHandler: (h) => (request = h),
      setPermissionCheckHandler: (h) => (check = h),
    });
    const answers: boolean[] = [];
    for (const p of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal'])
      request!(null, p, (g) => answers.push(g));
    expect(answers).toEqual([false, false, false, false, false]);
    expect(check!()).toBe(false);
  });
});
