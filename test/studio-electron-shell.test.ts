/**
 * The Electron shell's main process, bundled as `npm start` runs it, loaded in Node with a
 * stand-in for the `electron` module (no Electron binary can be installed here): the window's
 * security settings, the app:// protocol, and the IPC handler's sender and payload checks.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RECOVERY_FILE } from '../src-main/web-host/recovery-store.js';
import { MAIN_OUT, buildElectron } from '../src-main/electron/build-electron.js';
import { ensureRendererBuilt } from '../src-main/web-host/build-renderer.js';

interface Report {
  sandboxEnabled: boolean;
  ipcChannels: string[];
  menus: string[];
  editMenu: string[];
  editCommands: string[];
  webPreferences: Record<string, unknown>;
  loadedURL: string;
  windowOpen: unknown;
  page: { status: number; csp: string; nosniff: string };
  missing: number;
  trusted: { ok: boolean; result?: { examples: unknown[] } };
  foreignFrame: { ok: boolean; error?: { message: string } };
  malformed: { ok: boolean; error?: { kind: string } };
  navigationPrevented: boolean;
  permissionRequest: boolean;
  recoverySave: { ok: boolean };
  recoveryCheck: { ok: boolean; result?: { recovery: { source: unknown; model: { name: string } } | null } };
  recoveryForeign: { ok: boolean };
  dirtyTitle: string;
  afterCancel: { closed: boolean; asked: { message: string; buttons: string[] }[] };
  afterSave: { closed: boolean; sent: string[] };
  afterClean: { closed: boolean; title: string };
  saveChosen: { ok: boolean; result?: { path: string } };
  saveDenied: { ok: boolean; error?: { kind: string; message: string } };
  saveUnchosen: { ok: boolean; error?: { message: string } };
  exported: { ok: boolean; result?: { path: string } };
  saveDefaults: string[];
  recentAfterSave: { ok: boolean; result?: { files: { path: string; exists: boolean }[] } };
  openDeleted: { ok: boolean; error?: { message: string } };
  recentAfterDelete: { ok: boolean; result?: { files: { path: string; exists: boolean }[] } };
}

let report: Report;
let stateDir: string;

beforeAll(async () => {
  await ensureRendererBuilt();
  await buildElectron();
  stateDir = mkdtempSync(join(tmpdir(), 'cogstudio-electron-state-'));
  const r = spawnSync(process.execPath, ['--require', join(import.meta.dirname, 'e2e', 'electron-stub.cjs'), join(MAIN_OUT, 'main.cjs')], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, COGSTUDIO_STATE_DIR: stateDir },
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith('REPORT '));
  if (!line) throw new Error(`the shell did not report: ${r.stderr}`);
  report = JSON.parse(line.slice('REPORT '.length));
}, 120_000);

afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

describe('the Electron shell', () => {
  it('opens the window isolated, sandboxed, without Node or webviews, with the preload', () => {
    expect(report.sandboxEnabled).toBe(true);
    expect(report.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webviewTag: false, webSecurity: true });
    expect(String(report.webPreferences.preload)).toMatch(/out[/\\]main[/\\]preload\.cjs$/);
    expect(report.loadedURL).toBe('app://studio/index.html');
  });

  it('denies new windows, navigation away and permission requests', () => {
    expect(report.windowOpen).toEqual({ action: 'deny' });
    expect(report.navigationPrevented).toBe(true);
    expect(report.permissionRequest).toBe(false);
  });

  it('serves the renderer from app:// with a strict CSP, and nothing outside it', () => {
    expect(report.page.status).toBe(200);
    expect(report.page.csp).toContain("default-src 'none'");
    expect(report.page.csp).toContain("script-src 'self'");
    expect(report.page.nosniff).toBe('nosniff');
    expect(report.missing).toBe(404);
  });

  it('answers requests from its own page, refuses other frames and malformed payloads', () => {
    expect(report.ipcChannels).toEqual(['cogstudio:request']);
    expect(report.trusted.ok).toBe(true);
    expect(report.trusted.result!.examples.length).toBeGreaterThan(0);
    expect(report.foreignFrame).toMatchObject({ ok: false, error: { message: /unknown frame/ } });
    expect(report.malformed).toMatchObject({ ok: false, error: { kind: 'invalid-request' } });
  });

  it('has File, Edit and Model menus', () => {
    expect(report.menus).toEqual(expect.arrayContaining(['File', 'Edit', 'Model']));
  });

  it('has Cut, Copy, Paste (the page\'s clipboard events), Duplicate, Delete and Select All Nodes in Edit, sent to the page as menu commands', () => {
    expect(report.editMenu).toEqual(['Undo', 'Redo', 'separator', 'cut', 'copy', 'paste', 'Duplicate', 'Delete', 'separator', 'Select All Nodes']);
    expect(report.editCommands).toEqual(['duplicate', 'delete', 'select-all']);
  });

  it('keeps the recovery file (autosave) in the state folder through the same protocol, for its own page only', () => {
    expect(report.recoverySave.ok).toBe(true);
    expect(existsSync(join(stateDir, RECOVERY_FILE))).toBe(true);
    expect(report.recoveryCheck).toMatchObject({ ok: true, result: { recovery: { source: { kind: 'new' }, model: { name: 'linear_chain' } } } });
    expect(report.recoveryForeign.ok).toBe(false);
  });

  it('asks Save / Don’t Save / Cancel before closing a window with unsaved changes; Save closes once the page saved', () => {
    expect(report.dirtyTitle).toBe('• linear_chain — CogStudio');
    expect(report.afterCancel.closed).toBe(false);
    expect(report.afterCancel.asked).toEqual([{ message: 'Save the changes to linear_chain before closing?', buttons: ['Save', 'Don’t Save', 'Cancel'] }]);
    expect(report.afterSave).toEqual({ closed: false, sent: ['save-and-close'] });
    expect(report.afterClean).toEqual({ closed: true, title: 'linear_chain — CogStudio' });
  });

  it('saves to the file chosen in the dialog (atomically), reports a real failure with path and reason, exports through a dialog', () => {
    const saved = join(stateDir, 'saved.cogmodel.json');
    expect(report.saveChosen).toEqual({ ok: true, result: { path: saved } });
    // sysfs refuses new files even to root: a real, not injected, failure
    expect(report.saveDenied).toMatchObject({ ok: false, error: { kind: 'file', message: expect.stringMatching(/could not save the model to \/sys\/cogstudio-denied\.cogmodel\.json: (permission denied|the disk is read-only)/) } });
    expect(report.saveUnchosen).toMatchObject({ ok: false, error: { message: /choose this file with File › Open or Save As first/ } });
    expect(report.exported).toEqual({ ok: true, result: { path: join(stateDir, 'results.csv') } });
    expect(readFileSync(join(stateDir, 'results.csv'), 'utf8')).toBe('trial,A.B[0]\n1,2\n');
    expect(report.saveDefaults).toEqual(['model.cogmodel.json', 'model.cogmodel.json', 'results.csv']);
    expect(report.recentAfterSave.result!.files[0]).toEqual({ path: saved, exists: true });
  });

  it('a recent file deleted since is refused with a clear message and leaves the recent list', () => {
    expect(report.openDeleted).toMatchObject({ ok: false, error: { message: /no longer exists.*removed from the recent files/ } });
    expect(report.recentAfterDelete.result!.files.map((f) => f.path)).not.toContain(join(stateDir, 'saved.cogmodel.json'));
  });
});
