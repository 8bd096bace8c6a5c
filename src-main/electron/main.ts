/**
 * The Electron shell: one studio window (context-isolated, sandboxed, no Node), the renderer
 * served from `app://studio/` with a strict CSP, navigation and new windows denied, permission
 * requests refused, the application menu, and IPC handlers that check the sender and validate
 * every payload. Models run in the engine's utility process; this process never blocks.
 */
import { app, BrowserWindow, dialog, ipcMain, Menu, net, protocol, session, type IpcMainInvokeEvent, type MenuItemConstructorOptions } from 'electron';
import { dirname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { IPC_CHANNELS, type MenuCommand } from '../../shared/ipc/channels.js';
import type { HostResponse, RunEvent } from '../../shared/ipc/protocol.js';
import { StudioService } from '../web-host/studio-service.js';
import { RecoveryStore } from '../web-host/recovery-store.js';
import { CloseGuard } from './close-guard.js';
import { DialogFiles } from './dialog-files.js';
import { utilityEngineChild, utilityProcessEngine } from './utility-engine.js';

const SCHEME = 'app';
const ORIGIN = `${SCHEME}://studio`;
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

/**
 * Where the bundles are: this file is out/main/main.cjs, next to preload.cjs, engine-child.mjs and sweep-worker.mjs,
 * with out/renderer/ beside it (found from this file, however Electron was started).
 */
const MAIN_DIR = dirname(fileURLToPath(import.meta.url));
const APP_ROOT = resolve(MAIN_DIR, '..', '..');
const RENDERER_DIR = join(APP_ROOT, 'out', 'renderer');
const EXAMPLES_DIR = app.isPackaged ? join(process.resourcesPath, 'examples') : join(APP_ROOT, 'examples');

protocol.registerSchemesAsPrivileged([{ scheme: SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

let mainWindow: BrowserWindow | null = null;
const files = new DialogFiles(
  () => mainWindow,
  () => void buildMenu(),
);
const engine = utilityProcessEngine(join(MAIN_DIR, 'engine-child.mjs'));
// the recovery file (autosave) lives with the user's settings, or in COGSTUDIO_STATE_DIR
const recovery = new RecoveryStore(process.env.COGSTUDIO_STATE_DIR ?? app.getPath('userData'), (path) => files.resolve(path));
const closeGuard = new CloseGuard<BrowserWindow>({
  ask: (win, options) => dialog.showMessageBox(win, options),
  send: (win, command) => win.webContents.send(IPC_CHANNELS.menuCommand, command),
  discarded: () => void recovery.discard(),
});
const service = new StudioService(engine, files, EXAMPLES_DIR, {
  recovery,
  sweepWorker: () => utilityEngineChild(join(MAIN_DIR, 'sweep-worker.mjs')),
  onSessionState: (state) => mainWindow && closeGuard.setState(mainWindow, state),
});

function serveRenderer(): void {
  protocol.handle(SCHEME, async (request) => {
    const url = new URL(request.url);
    const rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname.slice(1));
    const file = normalize(join(RENDERER_DIR, rel));
    if (url.host !== 'studio' || !file.startsWith(RENDERER_DIR + sep)) return new Response('not found', { status: 404 });
    const res = await net.fetch(pathToFileURL(file).toString()).catch(() => null);
    if (!res || !res.ok) return new Response('not found', { status: 404 });
    const headers = new Headers(res.headers);
    headers.set('Content-Security-Policy', CSP);
    headers.set('X-Content-Type-Options', 'nosniff');
    return new Response(res.body, { status: res.status, headers });
  });
}

/** Only our window's top frame, showing our own page, may call the host. */
function trustedSender(event: IpcMainInvokeEvent): boolean {
  const frame = event.senderFrame;
  return !!mainWindow && event.sender === mainWindow.webContents && !!frame && frame === event.sender.mainFrame && frame.url.startsWith(`${ORIGIN}/`);
}

function registerIpc(): void {
  ipcMain.handle(IPC_CHANNELS.request, async (event, raw: unknown): Promise<HostResponse> => {
    if (!trustedSender(event)) return { ok: false, error: { kind: 'invalid-request', message: 'request from an unknown frame refused' } };
    const sender = event.sender;
    const emit = (runEvent: RunEvent) => {
      if (!sender.isDestroyed()) sender.send(IPC_CHANNELS.runEvent, runEvent);
    };
    return service.handle(raw, emit);
  });
}

function sendMenuCommand(command: MenuCommand): void {
  mainWindow?.webContents.send(IPC_CHANNELS.menuCommand, command);
}

async function buildMenu(): Promise<void> {
  const recent = await files.recent();
  const isMac = process.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        { label: 'New', accelerator: 'CmdOrCtrl+N', click: () => sendMenuCommand('new') },
        { label: 'Examples…', accelerator: 'CmdOrCtrl+E', click: () => sendMenuCommand('examples') },
        { label: 'Open…', accelerator: 'CmdOrCtrl+O', click: () => sendMenuCommand('open') },
        {
          label: 'Open Recent',
          enabled: recent.length > 0,
          // a moved or deleted file stays listed, greyed out and marked missing
          submenu: recent.map(({ path, exists }) => ({ label: exists ? path : `${path} (missing)`, enabled: exists, click: () => void openRecent(path) })),
        },
        { type: 'separator' },
        { label: 'Save', accelerator: 'CmdOrCtrl+S', click: () => sendMenuCommand('save') },
        { label: 'Save As…', accelerator: 'CmdOrCtrl+Shift+S', click: () => sendMenuCommand('save-as') },
        { type: 'separator' },
        isMac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    {
      label: 'Edit',
      submenu: [
        // undo/redo of the model are the page's (Ctrl+Z in a text field stays the field's own)
        { label: 'Undo', click: () => sendMenuCommand('undo') },
        { label: 'Redo', click: () => sendMenuCommand('redo') },
        { type: 'separator' },
        // cut/copy/paste fire the page's clipboard events, which copy nodes (or text in a field)
        { role: 'cut' },
        { role: 'copy' },
        { role: 'paste' },
        { label: 'Duplicate', accelerator: 'CmdOrCtrl+D', click: () => sendMenuCommand('duplicate') },
        { label: 'Delete', click: () => sendMenuCommand('delete') },
        { type: 'separator' },
        { label: 'Select All Nodes', click: () => sendMenuCommand('select-all') },
      ],
    },
    {
      label: 'Model',
      submenu: [
        { label: 'Run', click: () => sendMenuCommand('run') },
        { label: 'Auto-layout', click: () => sendMenuCommand('auto-layout') },
      ],
    },
    { role: 'viewMenu' },
    { role: 'windowMenu' },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

/** The page opens it with the same request as any file (allowed: the user chose it before). */
async function openRecent(path: string): Promise<void> {
  mainWindow?.webContents.send(IPC_CHANNELS.menuCommand, 'open-recent' satisfies MenuCommand, path);
}

function createWindow(): void {
  const win = new BrowserWindow({
    width: 1400,
    height: 900,
    title: 'CogStudio',
    show: false,
    webPreferences: {
      preload: join(MAIN_DIR, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win.show());
  closeGuard.attach(win);
  // nothing opens a window, and the page cannot make the shell open URLs
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  win.webContents.on('will-navigate', (event, url) => {
    if (!url.startsWith(`${ORIGIN}/`)) event.preventDefault();
  });
  win.webContents.on('will-attach-webview', (event) => event.preventDefault());
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = null;
  });
  void win.loadURL(`${ORIGIN}/index.html`);
  mainWindow = win;
}

app.enableSandbox();

app.whenReady().then(async () => {
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  serveRenderer();
  registerIpc();
  await files.load();
  await buildMenu();
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

app.on('web-contents-created', (_event, contents) => {
  contents.on('will-navigate', (event, url) => {
    if (!url.startsWith(`${ORIGIN}/`)) event.preventDefault();
  });
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
});

app.on('window-all-closed', () => {
  engine.dispose();
  if (process.platform !== 'darwin') app.quit();
});
