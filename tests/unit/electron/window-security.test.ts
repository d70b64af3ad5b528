import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAppUrl, isSafeExternalUrl, resolveAppRequest } from '../../../electron/main/url-guards';
import { WEB_PREFERENCES, webPreferences } from '../../../electron/main/web-preferences';
import { CONTENT_SECURITY_POLICY } from '../../../shared/security';

describe('WEB_PREFERENCES', () => {
  it('follows the Electron security checklist', () => {
    expect(WEB_PREFERENCES).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
    });
    expect(webPreferences('/x/preload.cjs').preload).toBe('/x/preload.cjs');
  });
});

describe('CSP', () => {
  it('allows only our own scripts and no eval or remote content', () => {
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain("object-src 'none'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|\*|https?:/);
  });
});

describe('app:// URLs', () => {
  const root = path.resolve('/opt/tuneplan/renderer');
  it('only our origin counts as the app', () => {
    expect(isAppUrl('app://tuneplan/index.html')).toBe(true);
    expect(isAppUrl('app://evil/index.html')).toBe(false);
    expect(isAppUrl('file:///opt/tuneplan/renderer/index.html')).toBe(false);
    expect(isAppUrl('not a url')).toBe(false);
  });
  it('maps requests into the renderer folder and refuses escapes', () => {
    expect(resolveAppRequest('app://tuneplan/', root)).toBe(path.join(root, 'index.html'));
    expect(resolveAppRequest('app://tuneplan/assets/a.js', root)).toBe(path.join(root, 'assets/a.js'));
    expect(resolveAppRequest('app://tuneplan/../../etc/passwd', root)).toBe(path.join(root, 'etc/passwd'));
    // The URL parser folds dot segments (encoded or not) before we see them: still inside root.
    expect(resolveAppRequest('app://tuneplan/%2e%2e/%2e%2e/etc/passwd', root)).toBe(path.join(root, 'etc/passwd'));
    expect(resolveAppRequest('app://tuneplan/..%2f..%2fetc%2fpasswd', root)).toBeNull();
    expect(resolveAppRequest('app://tuneplan/a%00b', root)).toBeNull();
    expect(resolveAppRequest('app://tuneplan/%E0%A4%A', root)).toBeNull();
    expect(resolveAppRequest('app://other/index.html', root)).toBeNull();
  });
  it('opens only plain http(s) links externally', () => {
    expect(isSafeExternalUrl('https://huggingface.co/microsoft/phi-4')).toBe(true);
    for (const bad of [
      'file:///etc/passwd',
      'javascript:alert(1)',
      'smb://host/share',
      'https://user:pw@host/',
      'app://tuneplan/',
    ]) {
      expect(isSafeExternalUrl(bad)).toBe(false);
    }
  });
});
