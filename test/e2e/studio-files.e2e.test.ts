/**
 * Files, results and no lost work in Chromium against the web host: a killed host's unsaved edits
 * are offered back after a restart; a save that fails (injected "disk full") leaves the file and
 * says why; leaving a dirty page asks; recent files (a deleted one marked missing); exports of
 * results and plots; run history comparing LLVMRun with Interpreted.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { RECOVERY_FILE } from '../../src-main/web-host/recovery-store.js';
import { collectPageErrors, launchBrowser, modelOnScreen, nodeCount, openInWorkspace, poll, runAndWait, tableValues } from './browser.js';
import { ROOT, startWebHostProcess, type RunningHost } from './web-host-process.js';

const SHOTS = '/tmp/shots-files';
const example = (name: string) => JSON.parse(readFileSync(join(ROOT, 'examples', `${name}.cogmodel.json`), 'utf8'));
const temps: string[] = [];
const tempDir = (prefix: string) => {
  const d = mkdtempSync(join(tmpdir(), prefix));
  temps.push(d);
  return d;
};

let browser: Browser;
const pageErrors: string[] = [];
beforeAll(async () => {
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

async function newPage(url: string): Promise<Page> {
  const p = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  collectPageErrors(p, pageErrors);
  await p.goto(url);
  return p;
}

const closeGallery = (p: Page) => p.getByRole('dialog', { name: 'Examples' }).getByRole('button', { name: 'Close' }).click();

/** Drags a node by (dx, dy) on the canvas: an edit (a Move command). */
async function dragNode(p: Page, name: string, dx: number, dy: number): Promise<void> {
  const box = (await p.locator(`.react-flow__node[data-id="${name}"]`).boundingBox())!;
  await p.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await p.mouse.down();
  await p.mouse.move(box.x + box.width / 2 + dx, box.y + box.height / 2 + dy, { steps: 8 });
  await p.mouse.up();
}

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

describe('unsaved work survives a killed host', () => {
  let workspace: string;
  let state: string;
  let host: RunningHost;
  let edited: Record<string, unknown>;

  beforeAll(async () => {
    workspace = tempDir('cogstudio-kill-ws-');
    state = tempDir('cogstudio-kill-state-');
    writeFileSync(join(workspace, 'chain.cogmodel.json'), JSON.stringify(example('linear_chain'), null, 2));
    writeFileSync(join(workspace, 'other.cogmodel.json'), JSON.stringify(example('stroop'), null, 2));
    host = await startWebHostProcess(['--workspace', workspace, '--state-dir', state]);
  }, 180_000);

  afterAll(async () => {
    await host?.stop();
  });

  it('an edit shows as unsaved and is autosaved to the recovery file; then the host is killed (SIGKILL) and the browser closed', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1400, height: 860 } });
    const p = await ctx.newPage();
    await p.goto(host.url);
    await closeGallery(p);
    await openInWorkspace(p, 'chain.cogmodel.json');
    await poll(() => nodeCount(p)).toBe(3);
    expect(await p.getByTestId('dirty').count()).toBe(0);
    await dragNode(p, 'OUTPUT', 60, 140);
    await p.locator('[data-node="HIDDEN"]').click();
    await p.keyboard.press('Delete');
    await poll(() => nodeCount(p)).toBe(2);
    expect(await p.getByTestId('dirty').count()).toBe(1);
    expect(await p.title()).toBe('• chain.cogmodel.json — CogStudio');
    edited = await modelOnScreen(p);
    // the autosave comes a few seconds after the last edit
    await poll(() => (existsSync(join(state, RECOVERY_FILE)) ? readJson(join(state, RECOVERY_FILE)).model : null)).toEqual(edited);
    expect(readJson(join(state, RECOVERY_FILE)).source).toEqual({ kind: 'file', path: 'chain.cogmodel.json' });
    await p.screenshot({ path: `${SHOTS}/1-edited-unsaved.png` });
    host.child.kill('SIGKILL');
    await new Promise((r) => host.child.once('exit', r));
    await ctx.close();
    // the file itself was never written
    expect(readJson(join(workspace, 'chain.cogmodel.json'))).toEqual(example('linear_chain'));
  });

  it('after a restart the page offers the recovered model, naming its file; Recover brings back the edited model, unsaved', async () => {
    host = await startWebHostProcess(['--workspace', workspace, '--state-dir', state]);
    const p = await newPage(host.url);
    const offer = p.getByRole('alertdialog', { name: 'Recover unsaved work' });
    await poll(() => offer.count()).toBe(1);
    expect(await offer.getByTestId('recovery-source').textContent()).toBe('the file chain.cogmodel.json');
    await p.screenshot({ path: `${SHOTS}/2-recovery-offer.png` });
    await offer.getByRole('button', { name: 'Recover' }).click();
    await poll(() => offer.count()).toBe(0);
    await closeGallery(p);
    expect(await modelOnScreen(p)).toEqual(edited);
    await poll(() => nodeCount(p)).toBe(2);
    expect(await p.getByTestId('dirty').count()).toBe(1);
    expect(await p.locator('.statusbar').textContent()).toContain('chain.cogmodel.json');
    await p.screenshot({ path: `${SHOTS}/3-recovered.png` });

    // a clean save writes the file and removes the recovery file
    await p.keyboard.press('Control+s');
    await poll(() => readJson(join(workspace, 'chain.cogmodel.json'))).toEqual(edited);
    await poll(() => existsSync(join(state, RECOVERY_FILE))).toBe(false);
    expect(await p.getByTestId('dirty').count()).toBe(0);
    await p.close();
  });

  it('lists recent files in the File menu and the Open dialog, kept across restarts; a deleted one is marked missing', async () => {
    const p = await newPage(host.url);
    await closeGallery(p);
    await openInWorkspace(p, 'other.cogmodel.json');
    await poll(() => nodeCount(p)).toBe(Object.keys(example('stroop').nodes).length);
    rmSync(join(workspace, 'chain.cogmodel.json'));
    await p.getByRole('button', { name: 'File ▾' }).click();
    const menu = p.getByRole('menu', { name: 'File' });
    const recent = menu.getByRole('group', { name: 'Recent files' }).getByRole('menuitem');
    await poll(() => recent.allTextContents()).toEqual(['other.cogmodel.json', 'chain.cogmodel.json (missing)']);
    expect(await recent.nth(1).isDisabled()).toBe(true);
    await p.screenshot({ path: `${SHOTS}/4-recent-files.png` });
    await p.keyboard.press('Escape');
    // the Open dialog lists them too; picking one opens it
    await p.getByRole('button', { name: 'Open…' }).click();
    const open = p.getByRole('dialog', { name: 'Open a model' });
    const listed = open.getByRole('group', { name: 'Recent files' }).getByRole('button');
    await poll(() => listed.allTextContents()).toEqual(['other.cogmodel.json', 'chain.cogmodel.json (missing)']);
    expect(await listed.nth(1).isDisabled()).toBe(true);
    await p.screenshot({ path: `${SHOTS}/4b-open-dialog.png` });
    await open.getByRole('button', { name: 'Cancel' }).click();
    await poll(() => open.count()).toBe(0);
    await p.close();
  });
});

// test-only fault injection: every model save fails midway, as on a full disk or a read-only one
// (a read-only folder cannot be made here: the tests run as root, who may write anywhere)
describe.each([
  ['ENOSPC', 'disk full', /the disk is full/],
  ['EROFS', 'read-only file system', /the disk is read-only/],
])('a save that fails (%s)', (fault, what, reason) => {
  let workspace: string;
  let host: RunningHost;
  let p: Page;
  const original = JSON.stringify(example('linear_chain'), null, 2);

  beforeAll(async () => {
    workspace = tempDir('cogstudio-fault-ws-');
    writeFileSync(join(workspace, 'chain.cogmodel.json'), original);
    host = await startWebHostProcess(['--workspace', workspace], { COGSTUDIO_TEST_SAVE_FAULT: fault });
    p = await newPage(host.url);
    await closeGallery(p);
  }, 180_000);

  afterAll(async () => {
    await p?.close();
    await host?.stop();
  });

  it(`(${what}) leaves the old file intact and tells the user the path and the reason`, async () => {
    await openInWorkspace(p, 'chain.cogmodel.json');
    await poll(() => nodeCount(p)).toBe(3);
    await p.locator('[data-node="OUTPUT"]').click();
    await p.keyboard.press('Delete');
    await poll(() => nodeCount(p)).toBe(2);
    await p.getByRole('button', { name: 'Save', exact: true }).click();
    const alert = p.getByRole('alert', { name: 'Save failed' });
    await poll(() => alert.count()).toBe(1);
    const text = (await alert.textContent())!;
    expect(text).toContain('chain.cogmodel.json');
    expect(text).toMatch(reason);
    expect(readFileSync(join(workspace, 'chain.cogmodel.json'), 'utf8')).toBe(original);
    expect(readdirSync(workspace).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(await p.getByTestId('dirty').count()).toBe(1);
    await p.screenshot({ path: `${SHOTS}/5-save-failed-${fault}.png` });
  });

  it('New on the unsaved model asks first; Cancel keeps it', async () => {
    await p.getByRole('button', { name: 'New', exact: true }).click();
    const question = p.getByRole('alertdialog', { name: 'Unsaved changes' });
    await poll(() => question.count()).toBe(1);
    expect(await question.textContent()).toContain('chain.cogmodel.json has changes that are not saved');
    await p.screenshot({ path: `${SHOTS}/6-unsaved-question-${fault}.png` });
    await question.getByRole('button', { name: 'Cancel' }).click();
    await poll(() => question.count()).toBe(0);
    expect(await nodeCount(p)).toBe(2);
  });

  it('leaving the page with unsaved changes asks (beforeunload); staying keeps the model', async () => {
    const asked = new Promise<string>((resolve) => p.once('dialog', (d) => (resolve(d.type()), void d.dismiss())));
    const leaving = p.goto(host.url).catch((e: Error) => e.message);
    expect(await asked).toBe('beforeunload');
    await leaving;
    expect(await nodeCount(p)).toBe(2);
    expect(await p.getByTestId('dirty').count()).toBe(1);
  });
});

describe('exports and run history', () => {
  let workspace: string;
  let host: RunningHost;
  let p: Page;

  beforeAll(async () => {
    workspace = tempDir('cogstudio-export-ws-');
    host = await startWebHostProcess(['--workspace', workspace]);
    p = await newPage(`${host.url}&example=stroop`);
    await p.waitForFunction((n) => document.querySelectorAll('.react-flow__node').length === n, Object.keys(example('stroop').nodes).length);
  }, 180_000);

  afterAll(async () => {
    await p?.close();
    await host?.stop();
  });

  it('runs Stroop in LLVMRun and in Interpreted; the history lists both and the comparison shows a difference of 0 per port', async () => {
    await p.getByRole('combobox', { name: 'Mode' }).selectOption('LLVMRun');
    await p.getByRole('button', { name: 'Run', exact: true }).click();
    const trials = Number(await p.getByRole('spinbutton', { name: 'Trials' }).inputValue());
    await runAndWait(p, trials);
    const compiled = await tableValues(p);
    await p.getByRole('combobox', { name: 'Mode' }).selectOption('Interpreted');
    await p.getByRole('button', { name: 'Run', exact: true }).click();
    await poll(() => p.getByRole('button', { name: 'Run history' }).textContent()).toBe('History (2)');
    await runAndWait(p, trials);
    expect(await tableValues(p)).toEqual(compiled);

    await p.getByRole('button', { name: 'Run history' }).click();
    const dialog = p.getByRole('dialog', { name: 'Run history' });
    const rows = dialog.getByRole('table', { name: 'Runs' }).locator('tbody tr');
    expect(await rows.count()).toBe(2);
    expect(await rows.nth(0).textContent()).toContain('Interpreted → Interpreted');
    expect(await rows.nth(1).textContent()).toContain('LLVMRun → LLVMRun');
    await dialog.getByRole('checkbox', { name: 'Compare run 1' }).check();
    await dialog.getByRole('checkbox', { name: 'Compare run 2' }).check();
    await dialog.getByRole('button', { name: 'Compare' }).click();
    const diffs = dialog.getByRole('table', { name: 'Largest absolute difference per port' }).locator('tbody tr');
    await poll(() => diffs.count()).toBeGreaterThan(0);
    expect(new Set(await diffs.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-diff'))))).toEqual(new Set(['0']));
    expect(await dialog.getByRole('img', { name: /^Overlay of / }).count()).toBe(await diffs.count());
    await dialog.getByRole('region', { name: 'Comparison' }).scrollIntoViewIfNeeded();
    await p.screenshot({ path: `${SHOTS}/7-history-compare.png` });

    // an older run can be shown again
    await dialog.getByRole('button', { name: 'Show run 1' }).click();
    await poll(() => dialog.count()).toBe(0);
    expect(await tableValues(p)).toEqual(compiled);
  });

  it('exports the results as CSV and JSON (every trial, node, port and element) to the workspace’s exports folder', async () => {
    const values = await tableValues(p);
    await p.getByRole('button', { name: 'File ▾' }).click();
    await p.getByRole('menuitem', { name: 'Export results as CSV' }).click();
    const csvPath = join(workspace, 'exports', 'stroop-results.csv');
    const modelName = String(example('stroop').name ?? 'stroop');
    const stem = modelName.replace(/[^A-Za-z0-9_-]+/g, '_');
    const csvFile = join(workspace, 'exports', `${stem}-results.csv`);
    await poll(() => existsSync(csvFile)).toBe(true);
    await poll(() => p.getByRole('status', { name: 'File notice' }).textContent()).toContain(join('exports', `${stem}-results.csv`));
    const [header, ...lines] = readFileSync(csvFile, 'utf8').trim().split('\n');
    const columns = await p.getByRole('table', { name: 'Results table' }).locator('thead th').allTextContents();
    expect(header!.split(',')).toEqual(['trial', ...columns.slice(1).map((c) => (/\[\d+\]$/.test(c) ? c : `${c}[0]`))]);
    expect(lines.map((l) => l.split(',').slice(1).map(Number))).toEqual(values);
    expect(csvPath === csvFile || stem !== 'stroop').toBe(true);

    await p.getByRole('button', { name: 'File ▾' }).click();
    await p.getByRole('menuitem', { name: 'Export results as JSON' }).click();
    const jsonFile = join(workspace, 'exports', `${stem}-results.json`);
    await poll(() => existsSync(jsonFile)).toBe(true);
    const json = readJson(jsonFile);
    expect(json).toMatchObject({ format: 'cogstudio-results', mode: 'LLVMRun', executedMode: 'LLVMRun', trials: values.length });
    expect((json.results as number[][][]).map((t) => t.flat())).toEqual(values);
  });

  it('exports a plot as PNG (uPlot’s canvas) and as SVG', async () => {
    const results = p.getByRole('region', { name: 'Results' });
    const exportButton = results.getByRole('button', { name: /as PNG$/ }).first();
    const name = (await exportButton.getAttribute('aria-label'))!.replace(/^Export (.*) as PNG$/, '$1');
    const stem = name.replace(/[^A-Za-z0-9_-]+/g, '_');
    await exportButton.click();
    const png = join(workspace, 'exports', `${stem}.png`);
    await poll(() => existsSync(png)).toBe(true);
    expect(readFileSync(png).subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(readFileSync(png).length).toBeGreaterThan(1000);
    await results.getByRole('button', { name: `Export ${name} as SVG` }).click();
    const svg = join(workspace, 'exports', `${stem}.svg`);
    await poll(() => existsSync(svg)).toBe(true);
    const text = readFileSync(svg, 'utf8');
    expect(text).toContain('<svg xmlns="http://www.w3.org/2000/svg"');
    expect(text).toMatch(/<polyline /);
    // the SVG opens as an image in the browser
    const view = await browser.newPage();
    await view.setContent(`<img id="i" src="data:image/svg+xml;base64,${Buffer.from(text).toString('base64')}">`);
    await poll(() => view.evaluate(() => (document.getElementById('i') as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
    await view.screenshot({ path: `${SHOTS}/8-exported-svg.png` });
    await view.close();
    await p.screenshot({ path: `${SHOTS}/9-exports.png` });
  });

  it('shows the DDM integrator’s value at each pass of a chosen trial; the last pass equals the trial’s result in LLVMRun', async () => {
    const ddm = await newPage(`${host.url}&example=ddm_integrator`);
    await poll(() => nodeCount(ddm)).toBe(1);
    await ddm.getByRole('combobox', { name: 'Mode' }).selectOption('LLVMRun');
    await ddm.getByRole('button', { name: 'Run', exact: true }).click();
    await runAndWait(ddm, 7);
    const values = await tableValues(ddm);
    await ddm.getByRole('button', { name: 'Passes' }).click();
    const dialog = ddm.getByRole('dialog', { name: 'Values over passes' });
    expect(await dialog.getByRole('combobox', { name: 'Node' }).inputValue()).toBe('DECISION');
    await dialog.getByRole('spinbutton', { name: 'Trial' }).fill('4');
    await dialog.getByRole('button', { name: 'Show passes' }).click();
    const passes = dialog.getByRole('region', { name: 'Passes' });
    await poll(() => passes.count()).toBe(1);
    const steps = Number(await passes.getAttribute('data-steps'));
    expect(steps).toBeGreaterThan(10);
    expect(await passes.getByRole('img', { name: 'Plot of DECISION over passes in trial 4' }).getAttribute('data-points')).toBe(String(steps));
    const last = (await passes.getByTestId('last-pass-value').textContent())!.split(', ').map(Number);
    values[3]!.forEach((v, i) => expect(last[i]).toBeCloseTo(v, 4));
    await ddm.screenshot({ path: `${SHOTS}/10-passes.png` });
    await ddm.close();
  });
});

describe('the pages of this file', () => {
  it('logged no page errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
