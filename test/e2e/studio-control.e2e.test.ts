/**
 * Editing a controller in the Inspector (Chromium against the web host): an OCM model opened from
 * the workspace; its control signals' samples edited, a signal added, named, given samples and a
 * parameter to control, a target removed and restored by undo; the edited model saved, run in the
 * studio, and the saved file run by the CLI with the same numbers. Screenshots in /tmp/shots-control/.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { model } from '../ocm-models.js';
import { collectPageErrors, edgeCount, launchBrowser, modelOnScreen, openInWorkspace, poll, runAndWait, tableValues } from './browser.js';
import { ROOT, startWebHostProcess, type RunningHost } from './web-host-process.js';

const SHOTS = '/tmp/shots-control';

let host: RunningHost;
let browser: Browser;
let p: Page;
let workspace: string;
const pageErrors: string[] = [];

const shot = (name: string) => p.screenshot({ path: join(SHOTS, `${name}.png`) });
const inspector = () => p.getByRole('region', { name: 'Inspector' });
const signal = (name: string) => inspector().getByRole('group', { name: `Control signal ${name}` });
const targets = (name: string) => signal(name).getByRole('list', { name: `Parameters ${name} controls` }).locator('code').allTextContents();
type Doc = { nodes: { OCM: { control_signals: Record<string, unknown>[] } }; projections: Record<string, unknown>[] };
const onScreen = async () => (await modelOnScreen(p)) as unknown as Doc;
const controlProjections = async () => (await onScreen()).projections.filter((x) => x.receiver_parameter);

async function commit(scope: ReturnType<typeof signal>, label: string, value: string): Promise<void> {
  const field = scope.getByLabel(label, { exact: true });
  await field.fill(value);
  await field.press('Enter');
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  workspace = mkdtempSync(join(tmpdir(), 'cogstudio-control-e2e-'));
  writeFileSync(join(workspace, 'ocm.cogmodel.json'), JSON.stringify(model({ inputs: [1.2, 0.4, 2] }), null, 2));
  host = await startWebHostProcess(['--workspace', workspace]);
  browser = await launchBrowser();
  p = await (await browser.newContext({ viewport: { width: 1440, height: 1000 } })).newPage();
  collectPageErrors(p, pageErrors, true);
  await p.goto(host.url);
  await p.getByRole('dialog', { name: 'Examples' }).getByRole('button', { name: 'Close' }).click();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await host?.stop();
  rmSync(workspace, { recursive: true, force: true });
});

describe("the Inspector's control signals", () => {
  it("shows each signal of the selected OCM with its samples and the parameters it controls", async () => {
    await openInWorkspace(p, 'ocm.cogmodel.json');
    await poll(() => p.locator('.react-flow__node[data-id="OCM"]').count()).toBe(1);
    await p.locator('.react-flow__node[data-id="OCM"]').click();
    await poll(() => signal('slope').getByLabel('allocation samples', { exact: true }).inputValue()).toBe('0.5, 1, 1.5, 2');
    expect(await targets('slope')).toEqual(['A.slope']);
    // a controller has no size field (its input is its objective's outcome)
    expect(await inspector().getByLabel('size', { exact: true }).count()).toBe(0);
    expect(await targets('shift')).toEqual(['B.intercept']);
    expect(await signal('shift').getByLabel('modulation', { exact: true }).inputValue()).toBe('ADDITIVE');
    expect(await inspector().getByTestId('grid-size').textContent()).toBe('Grid: 4 × 3 = 12 allocations, each simulated every trial');
    await shot('signals');
  });

  it('edits samples (refusing a non-number with a message), adds a named signal that controls B.slope, removes a target and undoes it', async () => {
    await commit(signal('shift'), 'allocation samples', '-1, 0, one');
    await poll(() => signal('shift').getByRole('alert').first().textContent()).toMatch(/numbers/);
    await commit(signal('shift'), 'allocation samples', '-1, 0, 1, 2');
    await poll(async () => (await onScreen()).nodes.OCM.control_signals[1]!.allocation_samples).toEqual([-1, 0, 1, 2]);

    const edges = await edgeCount(p);
    await inspector().getByRole('button', { name: 'Add control signal' }).click();
    await commit(signal('signal-0'), 'name', 'gain');
    await commit(signal('gain'), 'allocation samples', '1, 1.5');
    await signal('gain').getByRole('combobox', { name: 'Node for gain to control' }).selectOption('B');
    await signal('gain').getByRole('combobox', { name: 'Parameter for gain to control' }).selectOption('slope');
    await signal('gain').getByRole('button', { name: 'Add', exact: true }).click();
    await poll(() => targets('gain')).toEqual(['B.slope']);
    await poll(() => inspector().getByTestId('grid-size').textContent()).toBe('Grid: 4 × 4 × 2 = 32 allocations, each simulated every trial');
    await poll(() => edgeCount(p)).toBe(edges + 1);
    expect(await controlProjections()).toContainEqual({ sender: 'OCM', sender_port: 'gain', receiver: 'B', receiver_parameter: 'slope' });

    await signal('slope').getByRole('button', { name: 'Stop controlling A.slope' }).click();
    await poll(() => targets('slope')).toEqual([]);
    await p.keyboard.press('Control+z');
    await poll(() => targets('slope')).toEqual(['A.slope']);
    await shot('signals-edited');
  });

  it('runs the edited model; the saved file run by the CLI gives the same numbers', async () => {
    await p.getByRole('combobox', { name: 'Mode' }).selectOption('LLVMRun');
    await p.getByRole('button', { name: 'Run', exact: true }).click();
    await runAndWait(p, 3);
    const values = await tableValues(p);
    await p.getByRole('button', { name: 'Save' }).click();
    const file = join(workspace, 'ocm.cogmodel.json');
    await poll(() => JSON.parse(readFileSync(file, 'utf8')).nodes.OCM.control_signals.length).toBe(3);
    const saved = JSON.parse(readFileSync(file, 'utf8')) as Doc;
    expect(saved.nodes.OCM.control_signals.map((s) => [s.name, s.allocation_samples])).toEqual([
      ['slope', [0.5, 1, 1.5, 2]],
      ['shift', [-1, 0, 1, 2]],
      ['gain', [1, 1.5]],
    ]);
    const out = join(workspace, 'cli-out.results');
    execFileSync('npx', ['cogstudio', 'run', file, '--mode', 'Interpreted', '--out', out], { cwd: ROOT, stdio: 'pipe' });
    const cli = JSON.parse(readFileSync(out, 'utf8')) as { results: number[][][] };
    expect(values).toEqual(cli.results.map((trial) => trial.flat()));
    expect(values).toHaveLength(3);
    await shot('run');
  });

  it('logged no page errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
