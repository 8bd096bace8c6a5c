/* eslint-disable @typescript-eslint/no-require-imports */
// Loaded with `node --require` before the bundled Electron main process (out/main/main.cjs): stands
// in for the `electron` module (no Electron binary can be installed here), records how the shell
// uses it, drives its protocol and IPC handlers, and prints one JSON report.
const Module = require('node:module');
const { readFile } = require('node:fs/promises');

const report = { sandboxEnabled: false, ipcChannels: [], menus: [], webPreferences: null, loadedURL: null, windowOpen: null, permissionRequest: null };
const handlers = {};
let protocolHandler = null;
let permissionHandler = null;
const windows = [];
let menuTemplate = [];

class WebContents {
  constructor() {
    this.mainFrame = { url: 'app://studio/index.html' };
    this.sent = [];
    this.listeners = {};
  }
  setWindowOpenHandler(h) {
    report.windowOpen = h({ url: 'https://example.org/' });
  }
  on(event, fn) {
    this.listeners[event] = fn;
  }
  send(channel, ...args) {
    this.sent.push([channel, ...args]);
  }
  isDestroyed() {
    return false;
  }
}

class BrowserWindow {
  constructor(options) {
    report.webPreferences = options.webPreferences;
    this.webContents = new WebContents();
    this.listeners = {};
    this.closed = false;
    this.title = options.title;
    windows.push(this);
  }
  once() {}
  on(event, fn) {
    (this.listeners[event] ??= []).push(fn);
  }
  close() {
    const event = { defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } };
    for (const fn of this.listeners.close ?? []) fn(event);
    if (!event.defaultPrevented) this.closed = true;
  }
  setTitle(title) {
    this.title = title;
  }
  setDocumentEdited() {}
  loadURL(url) {
    report.loadedURL = url;
    return Promise.resolve();
  }
  static getAllWindows() {
    return windows;
  }
}

const electron = {
  app: {
    getPath: () => require('node:os').tmpdir(),
    isPackaged: false,
    enableSandbox: () => (report.sandboxEnabled = true),
    whenReady: () => Promise.resolve(),
    on() {},
    addRecentDocument() {},
    quit() {},
  },
  BrowserWindow,
  ipcMain: { handle: (channel, fn) => ((handlers[channel] = fn), report.ipcChannels.push(channel)) },
  Menu: {
    buildFromTemplate: (t) => t,
    setApplicationMenu: (m) => {
      report.menus = m.map((x) => x.label ?? x.role);
      menuTemplate = m;
    },
  },
  net: { fetch: (url) => readFile(new URL(url)).then((b) => new Response(b)) },
  protocol: { registerSchemesAsPrivileged() {}, handle: (_scheme, fn) => (protocolHandler = fn) },
  session: { defaultSession: { setPermissionRequestHandler: (fn) => (permissionHandler = fn), setPermissionCheckHandler() {} } },
  dialog: {
    // save dialogs: the paths chosen, in turn (set by the scenario below)
    savePaths: [],
    showSaveDialog(_win, options) {
      const filePath = this.savePaths.shift();
      this.saveDefaults.push(options.defaultPath);
      return Promise.resolve(filePath ? { canceled: false, filePath } : { canceled: true, filePath: '' });
    },
    saveDefaults: [],
    // the close question: answers are taken in turn (Cancel, then Save)
    answers: [2, 0],
    asked: [],
    showMessageBox(_win, options) {
      this.asked.push(options);
      return Promise.resolve({ response: this.answers.shift() ?? 2 });
    },
  },
  utilityProcess: {
    fork() {
      throw new Error('no utility process here');
    },
  },
};

const load = Module._load;
Module._load = function (request, ...rest) {
  return request === 'electron' ? electron : load.call(this, request, ...rest);
};

setTimeout(async () => {
  const page = await protocolHandler(new Request('app://studio/index.html'));
  report.page = { status: page.status, csp: page.headers.get('content-security-policy'), nosniff: page.headers.get('x-content-type-options') };
  report.missing = (await protocolHandler(new Request('app://studio/../../etc/passwd'))).status;
  const wc = windows[0].webContents;
  const request = handlers['cogstudio:request'];
  report.trusted = await request({ sender: wc, senderFrame: wc.mainFrame }, { method: 'examples.list' });
  report.foreignFrame = await request({ sender: wc, senderFrame: { url: 'https://evil.example/' } }, { method: 'examples.list' });
  report.malformed = await request({ sender: wc, senderFrame: wc.mainFrame }, { method: 'file.save', model: 'x' });
  const navigate = { prevented: false, preventDefault() { this.prevented = true; } };
  wc.listeners['will-navigate'](navigate, 'https://evil.example/');
  report.navigationPrevented = navigate.prevented;
  permissionHandler(wc, 'media', (granted) => (report.permissionRequest = granted));

  // unsaved work: the recovery file through IPC, and the close question
  const trusted = { sender: wc, senderFrame: wc.mainFrame };
  const model = JSON.parse(await readFile(require('node:path').join(__dirname, '..', '..', 'examples', 'linear_chain.cogmodel.json'), 'utf8'));
  report.recoverySave = await request(trusted, { method: 'recovery.save', model, source: { kind: 'new' } });
  report.recoveryCheck = await request(trusted, { method: 'recovery.check' });
  report.recoveryForeign = await request({ sender: wc, senderFrame: { url: 'https://evil.example/' } }, { method: 'recovery.check' });
  // files chosen in (stand-in) native dialogs: saved atomically, a real failure reported with path and reason
  const { join } = require('node:path');
  const state = process.env.COGSTUDIO_STATE_DIR;
  electron.dialog.savePaths.push(join(state, 'saved.cogmodel.json'), '/sys/cogstudio-denied.cogmodel.json', join(state, 'results.csv'));
  report.saveChosen = await request(trusted, { method: 'file.save', model });
  report.saveDenied = await request(trusted, { method: 'file.save', model });
  report.saveUnchosen = await request(trusted, { method: 'file.save', model, path: join(state, 'other.cogmodel.json') });
  report.exported = await request(trusted, { method: 'file.export', name: 'results.csv', content: 'trial,A.B[0]\n1,2\n', encoding: 'utf8' });
  report.saveDefaults = electron.dialog.saveDefaults;
  report.recentAfterSave = await request(trusted, { method: 'file.recent' });
  require('node:fs').rmSync(join(state, 'saved.cogmodel.json'));
  report.openDeleted = await request(trusted, { method: 'file.open', path: join(state, 'saved.cogmodel.json') });
  report.recentAfterDelete = await request(trusted, { method: 'file.recent' });

  const win = windows[0];
  const tick = () => new Promise((r) => setTimeout(r, 10));
  await request(trusted, { method: 'session.state', dirty: true, title: 'linear_chain' });
  report.dirtyTitle = win.title;
  win.close(); // answered Cancel
  await tick();
  // the Edit menu's model commands reach the page as menu commands
  const edit = menuTemplate.find((m) => m.label === 'Edit');
  report.editMenu = edit.submenu.map((i) => i.label ?? i.role ?? i.type);
  const sentBefore = wc.sent.length;
  for (const label of ['Duplicate', 'Delete', 'Select All Nodes']) edit.submenu.find((i) => i.label === label).click();
  report.editCommands = wc.sent.slice(sentBefore).filter((m) => m[0] === 'cogstudio:menu-command').map((m) => m[1]);
  wc.sent.length = sentBefore; // what the close sequence below sends is checked on its own
  report.afterCancel = { closed: win.closed, asked: electron.dialog.asked.map((o) => ({ message: o.message, buttons: o.buttons })) };
  win.close(); // answered Save: the page is asked to save
  await tick();
  report.afterSave = { closed: win.closed, sent: wc.sent.filter((m) => m[0] === 'cogstudio:menu-command').map((m) => m[1]) };
  await request(trusted, { method: 'session.state', dirty: false, title: 'linear_chain' });
  report.afterClean = { closed: win.closed, title: win.title };
  console.log('REPORT ' + JSON.stringify(report));
  process.exit(0);
}, 300);
