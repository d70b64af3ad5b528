import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTempDir } from '../../helpers/temp-dir';
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
  it('refuses symlinks that leave the renderer folder and follows those that stay inside', () => {
    const temp = makeTempDir();
    try {
      const renderer = path.join(temp.dir, 'renderer');
      const outside = path.join(temp.dir, 'outside');
      fs.mkdirSync(path.join(renderer, 'assets'), { recursive: true });
      fs.mkdirSync(outside);
      fs.writeFileSync(path.join(renderer, 'assets', 'a.js'), '');
      fs.writeFileSync(path.join(outside, 'secret.txt'), 'secret');
      fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(renderer, 'leak.txt'));
      fs.symlinkSync(outside, path.join(renderer, 'outdir'), 'dir');
      fs.symlinkSync(path.join(renderer, 'assets', 'a.js'), path.join(renderer, 'alias.js'));
      expect(resolveAppRequest('app://tuneplan/leak.txt', renderer)).toBeNull();
      expect(resolveAppRequest('app://tuneplan/outdir/secret.txt', renderer)).toBeNull();
      // Inside: the real path comes back, so net.fetch does not follow the link a second time.
      expect(resolveAppRequest('app://tuneplan/alias.js', renderer)).toBe(
        fs.realpathSync(path.join(renderer, 'assets', 'a.js')),
      );
      expect(resolveAppRequest('app://tuneplan/assets/a.js', renderer)).toBe(
        fs.realpathSync(path.join(renderer, 'assets', 'a.js')),
      );
    } finally {
      temp.cleanup();
    }
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
