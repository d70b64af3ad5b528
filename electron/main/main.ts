/**
 * The Electron main process: the only file that imports Electron's runtime API.
 * Serves the renderer from app://tuneplan (never file://), locks navigation, window.open and
 * permissions, and registers the contract over IPC.
 */
import { app, BrowserWindow, dialog, ipcMain, Menu, net, protocol, session, shell } from 'electron';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CONTENT_SECURITY_POLICY } from '../../shared/security';
import { createDispatch } from '../services/create-handlers';
import { createDataJobs } from '../services/data/data-jobs';
import { startServices } from '../services/start-services';
import { useNativeBinding } from '../../db/open';
import { registerIpc } from './ipc';
import { writeFileAtomic } from '../services/atomic-write';
import { desktopHandlers } from './desktop-handlers';
import { devOverrides } from './dev-overrides';
import { denyAllPermissions, guardWebContents } from './guards';
import { APP_ENTRY, APP_SCHEME, resolveAppRequest } from './url-guards';
import { webPreferences } from './web-preferences';

protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
]);

const here = __dirname;
// Variables that load code are honoured only by the unpackaged (development and test) app.
const overrides = devOverrides(process.env, { packaged: app.isPackaged });
if (overrides.ignored.length > 0)
  console.error(`Tuneplan: ignoring ${overrides.ignored.join(', ')}: an installed app loads only its own code.`);
const rendererRoot = overrides.rendererDir ?? path.resolve(here, '../renderer');
const preloadPath = path.resolve(here, 'preload.cjs');

// Browser mode and desktop share the data folder; TUNEPLAN_DATA_DIR overrides both.
if (process.env.TUNEPLAN_DATA_DIR) app.setPath('userData', path.resolve(process.env.TUNEPLAN_DATA_DIR));

function nativeBinding(): string | undefined {
  if (overrides.nativeBinding) return overrides.nativeBinding;
  if (app.isPackaged) return path.join(process.resourcesPath, 'native', 'better_sqlite3.node');
  return undefined;
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 900,
    minHeight: 600,
    title: 'Tuneplan',
    show: false,
    webPreferences: webPreferences(preloadPath),
  });
  win.once('ready-to-show', () => win.show());
  void win.loadURL(APP_ENTRY);
  return win;
}

function lockDown(): void {
  app.on('web-contents-created', (_event, contents) =>
    guardWebContents(contents, (url) => void shell.openExternal(url)),
  );
  denyAllPermissions(session.defaultSession);
}

function registerAppProtocol(): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const file = resolveAppRequest(request.url, rendererRoot);
    if (!file) return new Response('Not found', { status: 404 });
    const response = await net.fetch(pathToFileURL(file).toString());
    const headers = new Headers(response.headers);
    headers.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    headers.set('X-Content-Type-Options', 'nosniff');
    return new Response(response.body, { status: response.status, headers });
  });
}

function buildMenu(): void {
  // Plan shortcuts (Ctrl/Cmd+S, Ctrl/Cmd+N) are handled in the renderer, so they work in browser mode too.
  const template: Electron.MenuItemConstructorOptions[] = [
    ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
    { role: 'fileMenu' },
    { role: 'editMenu' },
    { role: 'viewMenu' },
    { role: 'windowMenu' },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

async function start(): Promise<void> {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  await app.whenReady();
  lockDown();
  registerAppProtocol();
  const dataDir = app.getPath('userData');
  // One opener for the whole app: every SQLite open (storage, backups, restores) loads this binding.
  useNativeBinding(nativeBinding());
  const { db, handlers } = startServices({ dataDir, mode: 'desktop' });
  let main: BrowserWindow | undefined;
  const desktop = desktopHandlers({
    showSaveDialog: (o) => (main ? dialog.showSaveDialog(main, o) : dialog.showSaveDialog(o)),
    showOpenDialog: (o) => (main ? dialog.showOpenDialog(main, o) : dialog.showOpenDialog(o)),
    printToPdf: async () => {
      if (!main) throw new Error('no window');
      return main.webContents.printToPDF({ printBackground: true, pageSize: 'A4', landscape: true });
    },
    writeFileAtomic,
    statSize: (p) => fs.statSync(p).size,
    readText: (p) => fs.readFileSync(p, 'utf8'),
    basename: (p) => path.basename(p),
  });
  // Data files are read by path in a worker thread (build/out/data-worker.mjs, beside electron/main.cjs's folder).
  const dataJobs = createDataJobs({ workerFile: path.resolve(here, '../data-worker.mjs') });
  registerIpc(ipcMain, createDispatch({ ...handlers, ...desktop, ...dataJobs.handlers }));
  main = createWindow();
  buildMenu();
  app.on('second-instance', () => {
    if (main?.isMinimized()) main.restore();
    main?.focus();
  });
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) main = createWindow();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('will-quit', () => {
    dataJobs.cancelAll();
    db.close();
  });
}

start().catch((error: unknown) => {
  console.error(`Tuneplan could not start: ${(error as Error).message}`);
  app.exit(1);
});
