/**
 * Opens browser mode in the default browser without putting the token on a command line: the
 * arguments of `xdg-open`/`open`/`cmd` (and of the browser they start) are readable by every local
 * user through `ps` or /proc/<pid>/cmdline. The launcher holds the token only in memory (it reads the
 * printed start-up line from the server's stdout pipe), asks the server for a one-time code
 * (`POST /auth/code`, electron/web/launch-codes.ts) and opens `http://127.0.0.1:PORT/#code=CODE`; the
 * page trades the code for the token once. Tested in tests/unit/transports/web-hardening.test.ts.
 */
import { spawn } from 'node:child_process';

/** The platform's "open this URL in the default browser" command. */
export function browserCommand(url, platform = process.platform) {
  if (platform === 'darwin') return { command: 'open', args: [url] };
  // `start` is a cmd built-in; the empty string is the window title it expects before the target.
  if (platform === 'win32') return { command: 'cmd', args: ['/c', 'start', '', url] };
  return { command: 'xdg-open', args: [url] };
}

function spawnDetached(command, args) {
  try {
    const child = spawn(command, args, { stdio: 'ignore', detached: true });
    child.on('error', () => {});
    child.unref();
  } catch {
    // No default browser: the printed URL is enough.
  }
}

/**
 * `printedUrl` is the address from the start-up line (`http://127.0.0.1:PORT/#token=TOKEN`).
 * Returns the URL that was opened, or null when no code could be had (then nothing is opened).
 * @param {string} printedUrl
 * @param {{
 *   open?: (command: string, args: string[]) => unknown,
 *   fetchImpl?: typeof fetch,
 *   log?: (message: string) => void,
 *   platform?: NodeJS.Platform
 * }} [deps]
 * @returns {Promise<string | null>}
 */
export async function openWithLaunchCode(printedUrl, deps = {}) {
  const open = deps.open ?? spawnDetached;
  const fetchImpl = deps.fetchImpl ?? fetch;
  const log = deps.log ?? ((message) => console.error(message));
  let code;
  let origin;
  try {
    const url = new URL(printedUrl);
    origin = url.origin;
    const token = /(?:^#|&)token=([A-Za-z0-9_-]+)/.exec(url.hash)?.[1];
    if (!token) throw new Error('the printed address carries no token');
    const response = await fetchImpl(`${origin}/auth/code`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}` },
    });
    const body = await response.json();
    if (!body?.ok || typeof body.data?.code !== 'string') {
      throw new Error(body?.error?.message ?? `the server answered ${response.status}`);
    }
    code = body.data.code;
  } catch (error) {
    log(
      `Tuneplan: could not open the browser safely (${error?.message ?? error}); ` +
        'open the address printed above yourself.',
    );
    return null;
  }
  const target = `${origin}/#code=${code}`;
  const { command, args } = browserCommand(target, deps.platform);
  open(command, args);
  return target;
}
