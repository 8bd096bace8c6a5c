/**
 * The Sweep panel in Chromium against the web host: a one-parameter sweep of an example whose
 * table and CSV export equal `cogstudio sweep` on the same file, its line plot and PNG export,
 * a two-parameter heatmap, Stop mid-sweep, and a failing point reported in the panel.
 * Screenshots go to /tmp/shots-sweep/.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { collectPageErrors, launchBrowser } from './browser.js';
import { ROOT, startWebHostProcess, type RunningHost } from './web-host-process.js';

const SHOTS = '/tmp/shots-sweep';
const EXAMPLE = 'ddm_integrator';
const TMP = mkdtempSync(join(tmpdir(), 'cogstudio-sweep-e2e-'));
/** The web host's workspace: exports land in its exports/ folder. */
const WORKSPACE = mkdtempSync(join(tmpdir(), 'cogstudio-sweep-ws-'));
const exported = (name: string) => join(WORKSPACE, 'exports', name);

let host: RunningHost;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

const poll = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 60_000, interval: 100 });
const panel = () => page.getByRole('region', { name: 'Sweep' });

/** The sweep table's numbers, full precision, row by row. */
async function sweepTable(): Promise<number[][]> {
  return panel()
    .getByRole('table', { name: 'Sweep table' })
    .locator('tbody tr')
    .evaluateAll((rows) => rows.map((r) => Array.from(r.querySelectorAll('td'), (td) => Number(td.getAttribute('data-value')))));
}

/** `cogstudio sweep` on the example file: the CSV it writes. */
function cliSweep(...args: string[]): string {
  const out = join(TMP, `cli-${Math.random().toString(36).slice(2)}.csv`);
  const r = spawnSync(process.execPath, ['bin/cogstudio.mjs', 'sweep', `examples/${EXAMPLE}.cogmodel.json`, ...args, '--out', out], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  expect(r.status, r.stderr).toBe(0);
  return readFileSync(out, 'utf8');
}

async function setRange(i: number, target: string, from: string, to: string, points: string): Promise<void> {
  const p = panel();
  await p.getByRole('combobox', { name: `Parameter ${i}` }).selectOption(target);
  await p.getByRole('spinbutton', { name: `From (${target})` }).fill(from);
  await p.getByRole('spinbutton', { name: `To (${target})` }).fill(to);
  await p.getByRole('spinbutton', { name: `Points (${target})` }).fill(points);
}

async function runSweepAndWait(status = 'done'): Promise<void> {
  await panel().getByRole('button', { name: 'Run sweep' }).click();
  await poll(() => panel().getAttribute('data-status')).toBe(status);
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  host = await startWebHostProcess(['--workspace', WORKSPACE]);
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  collectPageErrors(page, pageErrors, true);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await host?.stop();
  rmSync(TMP, { recursive: true, force: true });
  rmSync(WORKSPACE, { recursive: true, force: true });
});

describe('the Sweep panel', () => {
  it('sweeps one parameter and shows the same numbers as `cogstudio sweep`, as a table and a line plot', async () => {
    await page.goto(`${host.url}&example=${EXAMPLE}`);
    await poll(() => page.locator('.react-flow__node').count()).toBe(1);
    await panel().getByRole('button', { name: 'Sweep' }).click();
    await panel().getByRole('button', { name: '+ Parameter' }).click();
    await setRange(1, 'DECISION.rate', '0.5', '2', '4');
    await panel().getByRole('spinbutton', { name: 'Sweep trials' }).fill('50');
    await panel().getByRole('combobox', { name: 'Statistic' }).selectOption('DECISION:rt');
    await runSweepAndWait();
    expect(await panel().getAttribute('data-done')).toBe('4');
    // compiled (Auto → LLVMRun): the rate is read at run time, so the code is compiled once for all points
    expect(await panel().getByTestId('sweep-per-point').textContent()).toMatch(/^Per point: compile [\d.]+ ms, run [\d.]+ ms\. Compiled once\.$/);
    const cli = cliSweep('--param', 'DECISION.rate=0.5:2:4', '--trials', '50', '--stat', 'DECISION:rt');
    const expected = cli.trimEnd().split('\n').slice(1).map((l) => l.split(',').map(Number));
    expect(expected).toHaveLength(4);
    expect(await sweepTable()).toEqual(expected);
    // RT falls as the drift rate rises: the swept value reached the runs
    expect(expected[0]![1]).toBeGreaterThan(expected[3]![1]!);
    expect(await panel().getByRole('img', { name: /Line plot of DECISION:rt over DECISION.rate/ }).getAttribute('data-points')).toBe('4');
    await page.screenshot({ path: `${SHOTS}/sweep-line.png` });

    // the CSV export is the CLI's file, byte for byte
    await panel().getByRole('button', { name: 'Export CSV' }).click();
    await poll(() => existsSync(exported('ddm_integrator-sweep.csv'))).toBe(true);
    expect(readFileSync(exported('ddm_integrator-sweep.csv'), 'utf8')).toBe(cli);
    await panel().getByRole('button', { name: 'Export ddm_integrator-sweep as PNG' }).click();
    await poll(() => existsSync(exported('ddm_integrator-sweep.png'))).toBe(true);
    const bytes = readFileSync(exported('ddm_integrator-sweep.png'));
    expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(bytes.length).toBeGreaterThan(2000);
    await panel().getByRole('button', { name: 'Export ddm_integrator-sweep as SVG' }).click();
    await poll(() => existsSync(exported('ddm_integrator-sweep.svg'))).toBe(true);
    expect(readFileSync(exported('ddm_integrator-sweep.svg'), 'utf8')).toMatch(/<polyline [^>]*points="([-\d.]+,[-\d.]+ ){3}[-\d.]+,[-\d.]+"/);
    rmSync(exported('ddm_integrator-sweep.svg'));
  });

  it('sweeps two parameters as a heatmap', async () => {
    await panel().getByRole('button', { name: '+ Parameter' }).click();
    await setRange(2, 'DECISION.threshold', '0.5', '1.5', '3');
    await panel().getByRole('spinbutton', { name: 'Sweep trials' }).fill('30');
    await runSweepAndWait();
    const heatmap = panel().getByRole('img', { name: /Heatmap of DECISION:rt over DECISION.rate and DECISION.threshold/ });
    await poll(() => heatmap.getAttribute('data-cells')).toBe('12');
    const cli = cliSweep('--param', 'DECISION.rate=0.5:2:4', '--param', 'DECISION.threshold=0.5:1.5:3', '--trials', '30', '--stat', 'DECISION:rt');
    expect(await sweepTable()).toEqual(cli.trimEnd().split('\n').slice(1).map((l) => l.split(',').map(Number)));
    await page.screenshot({ path: `${SHOTS}/sweep-heatmap.png` });
    await heatmap.screenshot({ path: `${SHOTS}/sweep-heatmap-only.png` });
    // the SVG export has a cell per point (and the colour bar), and opens as an image
    await panel().getByRole('button', { name: 'Export ddm_integrator-sweep as SVG' }).click();
    await poll(() => existsSync(exported('ddm_integrator-sweep.svg'))).toBe(true);
    const svg = readFileSync(exported('ddm_integrator-sweep.svg'), 'utf8');
    expect(svg.match(/<rect x=/g)).toHaveLength(12 + 1);
    const view = await browser.newPage();
    await view.setContent(`<img id="i" src="data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}">`);
    await poll(() => view.evaluate(() => (document.getElementById('i') as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
    await view.screenshot({ path: `${SHOTS}/sweep-heatmap-svg.png` });
    await view.close();
  });

  it('stops a sweep mid-way', async () => {
    await panel().getByRole('button', { name: 'Remove DECISION.threshold' }).click();
    await setRange(1, 'DECISION.noise', '0.1', '1', '400');
    await panel().getByRole('spinbutton', { name: 'Sweep trials' }).fill('20');
    await panel().getByRole('button', { name: 'Run sweep' }).click();
    await poll(async () => Number(await panel().getAttribute('data-done'))).toBeGreaterThan(0);
    await panel().getByRole('button', { name: 'Stop sweep' }).click();
    await poll(() => panel().getAttribute('data-status')).toBe('cancelled');
    const done = Number(await panel().getAttribute('data-done'));
    expect(done).toBeGreaterThan(0);
    expect(done).toBeLessThan(400);
    await page.screenshot({ path: `${SHOTS}/sweep-stopped.png` });
  });

  it('reports a point that cannot run, naming it', async () => {
    await setRange(1, 'DECISION.time_step_size', '0', '0', '1');
    await panel().getByRole('spinbutton', { name: 'Sweep trials' }).fill('1');
    await runSweepAndWait('failed');
    await poll(() => panel().getByRole('alert').textContent()).toMatch(/DECISION\.time_step_size = 0: trial 0 did not end/);
    await page.screenshot({ path: `${SHOTS}/sweep-error.png` });
    expect(pageErrors).toEqual([]);
  });
});
