/**
 * The studio in Chromium against the web host: open an example, run it, read the same numbers
 * as the engine gives for that file, switch mode and trials, undo/redo an edit, and check that
 * the host refuses requests without the right token.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import WebSocket from 'ws';
import { runModel } from '../../src-main/runtime/run-model.js';
import { collectPageErrors, edgeCount, launchBrowser, modelOnScreen, nodeCount, openInWorkspace, poll, runAndWait, tableValues } from './browser.js';
import { ROOT, startWebHostProcess, type RunningHost } from './web-host-process.js';
const EXAMPLE = 'linear_chain';
const model = JSON.parse(readFileSync(join(ROOT, 'examples', `${EXAMPLE}.cogmodel.json`), 'utf8'));

/** B runs by a TimeInterval condition, which only the interpreted scheduler evaluates: Auto falls back to LLVM. */
const TIME_INTERVAL_MODEL = {
  format: 'cogstudio-model',
  version: 1,
  name: 'time_interval',
  seed: 3,
  nodes: {
    A: { type: 'TransferMechanism', size: 2, function: { type: 'Logistic', gain: 2.0 }, noise: { type: 'NormalDist', standard_deviation: 0.2, seed: 11 } },
    B: { type: 'IntegratorMechanism', size: 2, function: { type: 'AdaptiveIntegrator', rate: 0.3 } },
    C: { type: 'TransferMechanism', size: 2, function: { type: 'Tanh' } },
  },
  projections: [
    { sender: 'A', receiver: 'B', matrix: [[1.0, -0.5], [0.25, 0.75]] },
    { sender: 'B', receiver: 'C', matrix: [[0.9, 0.1], [-0.3, 1.2]] },
  ],
  conditions: { B: { type: 'TimeInterval', start: 1, repeat: 3 }, C: { type: 'EveryNCalls', dependency: 'B', n: 1 } },
  termination: { trial: { type: 'Any', conditions: [{ type: 'AfterNCalls', dependency: 'C', n: 2 }, { type: 'AfterNPasses', n: 9 }] } },
  run: { inputs: { A: [[0.5, -0.25], [1.0, 0.0], [-0.75, 0.5]] }, num_trials: 5 },
};

let host: RunningHost;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  // no on-disk object cache: the first compiled run is a cold tiered compile (O0 first)
  host = await startWebHostProcess([], { COGSTUDIO_OBJECT_CACHE: 'off' });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  collectPageErrors(page, pageErrors, true);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await host?.stop();
});

describe('the studio in the web host', () => {
  it('opens an example with ?example= and shows its nodes and projections', async () => {
    await page.goto(`${host.url}&example=${EXAMPLE}`);
    await poll(() => nodeCount(page)).toBe(3);
    expect(await edgeCount(page)).toBe(2);
    await poll(() => page.locator('[data-node="HIDDEN"]').isVisible()).toBe(true);
    expect(await page.getByRole('combobox', { name: 'Mode' }).inputValue()).toBe('Auto');
    expect(await page.getByRole('spinbutton', { name: 'Trials' }).inputValue()).toBe('5');
  });

  it('runs in Auto mode and shows the engine’s numbers, a plot, the executed mode and compile timings', async () => {
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await runAndWait(page, 5);
    const expected = runModel({ model, mode: 'Auto' });
    expect(await tableValues(page)).toEqual(expected.results.map((trial) => trial.flat()));
    const results = page.getByRole('region', { name: 'Results' });
    expect(await results.getByRole('img', { name: 'Plot of OUTPUT.RESULT over trials' }).getAttribute('data-points')).toBe('5');
    expect(await results.locator('canvas').count()).toBeGreaterThan(0);
    const diagnostics = page.getByRole('region', { name: 'Diagnostics' });
    expect(await diagnostics.getByTestId('mode-requested').textContent()).toBe('Auto');
    expect(await diagnostics.getByTestId('mode-executed').textContent()).toBe(expected.executed_mode);
    const compile = diagnostics.getByRole('table', { name: /Compile timings/ });
    for (const stage of ['codegen', 'optimise', 'machine code', 'total']) expect(await compile.getByRole('rowheader', { name: stage }).count()).toBe(1);
    expect(await diagnostics.getByTestId('ir-size').textContent()).toMatch(/KiB of bitcode, \d+ functions/);
    // the tiered compile: O0 code ran first, the O2 code builds in the background
    expect(await diagnostics.getByTestId('compile-tiers').textContent()).toMatch(/^O0 in \d+\.\d ms, O2 /);
    await page.screenshot({ path: '/tmp/studio-run-auto.png' });
  });

  it('runs again Interpreted with another trial count (Ctrl+Enter)', async () => {
    await page.getByRole('combobox', { name: 'Mode' }).selectOption('Interpreted');
    await page.getByRole('spinbutton', { name: 'Trials' }).fill('8');
    await page.keyboard.press('Control+Enter');
    await runAndWait(page, 8);
    const expected = runModel({ model, mode: 'Interpreted', numTrials: 8 });
    expect(await tableValues(page)).toEqual(expected.results.map((trial) => trial.flat()));
    const diagnostics = page.getByRole('region', { name: 'Diagnostics' });
    expect(await diagnostics.getByTestId('mode-executed').textContent()).toBe('Interpreted');
    expect(await diagnostics.getByRole('table', { name: /Compile timings/ }).count()).toBe(0);
    await page.screenshot({ path: '/tmp/studio-run-interpreted.png' });
  });

  it('undoes and redoes deleting a node (Delete, Ctrl+Z, Ctrl+Shift+Z)', async () => {
    await page.locator('[data-node="HIDDEN"]').click();
    await page.keyboard.press('Delete');
    await poll(() => nodeCount(page)).toBe(2);
    expect(await edgeCount(page)).toBe(0);
    await page.screenshot({ path: '/tmp/studio-deleted.png' });
    await page.keyboard.press('Control+z');
    await poll(() => nodeCount(page)).toBe(3);
    // React Flow draws an edge once both its nodes' handles are measured
    await poll(() => edgeCount(page)).toBe(2);
    await page.keyboard.press('Control+Shift+z');
    await poll(() => nodeCount(page)).toBe(2);
    await page.keyboard.press('Control+z');
    await poll(() => nodeCount(page)).toBe(3);
  });

  it('undoes moving a node', async () => {
    const node = page.locator('.react-flow__node[data-id="OUTPUT"]');
    const before = await node.boundingBox();
    await node.hover();
    await page.mouse.down();
    await page.mouse.move(before!.x + 40, before!.y + 160, { steps: 8 });
    await page.mouse.up();
    const moved = await node.boundingBox();
    expect(moved!.y - before!.y).toBeGreaterThan(100);
    await page.keyboard.press('Control+z');
    await poll(async () => Math.round((await node.boundingBox())!.y)).toBe(Math.round(before!.y));
    await page.keyboard.press('Control+Shift+z');
    await poll(async () => Math.round((await node.boundingBox())!.y)).toBe(Math.round(moved!.y));
    await page.screenshot({ path: '/tmp/studio-moved.png' });
  });

  it('lists the examples in the gallery', async () => {
    await page.getByRole('button', { name: 'Examples' }).click();
    const gallery = page.getByRole('dialog', { name: 'Examples' });
    await poll(() => gallery.getByRole('button', { name: /^Open / }).count()).toBeGreaterThanOrEqual(2);
    await page.screenshot({ path: '/tmp/studio-examples.png' });
    await gallery.getByRole('button', { name: 'Open stroop' }).click();
    // the moved node is an unsaved change: opening another model asks first
    await page.getByRole('alertdialog', { name: 'Unsaved changes' }).getByRole('button', { name: 'Don’t save' }).click();
    const stroop = JSON.parse(readFileSync(join(ROOT, 'examples', 'stroop.cogmodel.json'), 'utf8'));
    await poll(() => nodeCount(page)).toBe(Object.keys(stroop.nodes).length);
    await page.screenshot({ path: '/tmp/studio-stroop.png' });
  });

  it('streams a long run into the plot and table while it goes, and Stop cancels it', async () => {
    await page.getByRole('combobox', { name: 'Mode' }).selectOption('Interpreted');
    await page.getByRole('spinbutton', { name: 'Trials' }).fill('200000');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    const results = page.getByRole('region', { name: 'Results' });
    const trialsShown = async () => Number(await results.getAttribute('data-trials'));
    await poll(trialsShown).toBeGreaterThan(0);
    const early = await trialsShown();
    await poll(trialsShown).toBeGreaterThan(early);
    expect(await results.getAttribute('data-status')).toBe('running');
    await poll(async () => Number(await results.getByRole('img', { name: 'Plot of RESPONSE.RESULT over trials' }).getAttribute('data-points'))).toBeGreaterThan(early);
    await page.screenshot({ path: '/tmp/studio-streaming.png' });
    await page.getByRole('button', { name: 'Stop' }).click();
    await poll(() => results.getAttribute('data-status')).toBe('cancelled');
    expect(await trialsShown()).toBeLessThan(200000);
    expect(await page.getByRole('button', { name: 'Run', exact: true }).isEnabled()).toBe(true);
  });

  it('logged no page errors', () => {
    expect(pageErrors).toEqual([]);
  });
});

describe('building a model from an empty canvas', () => {
  let p: Page;
  const shot = (name: string) => p.screenshot({ path: `/tmp/studio2-${name}.png` });
  const inspector = () => p.getByRole('region', { name: 'Inspector' });
  const exported = () => modelOnScreen(p);
  const handle = (node: string, kind: 'source' | 'target') => p.locator(`.react-flow__node[data-id="${node}"] .react-flow__handle.${kind}`);

  beforeAll(async () => {
    p = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    collectPageErrors(p, pageErrors);
    await p.goto(host.url);
    await p.getByRole('dialog', { name: 'Examples' }).getByRole('button', { name: 'Close' }).click();
  });

  afterAll(() => p?.close());

  it('New, then a node from the palette by double-click (where clicked) and one by the A key', async () => {
    await p.getByRole('button', { name: 'Examples' }).click();
    await p.getByRole('dialog', { name: 'Examples' }).getByRole('button', { name: 'Open linear_chain' }).click();
    await poll(() => nodeCount(p)).toBe(3);
    await p.getByRole('button', { name: 'New', exact: true }).click();
    await poll(() => nodeCount(p)).toBe(0);
    const pane = p.locator('.react-flow__pane');
    const box = (await pane.boundingBox())!;
    await pane.dblclick({ position: { x: 60, y: box.height / 2 - 40 } });
    const palette = p.getByRole('dialog', { name: 'Palette' });
    await poll(() => palette.getByRole('option').count()).toBeGreaterThanOrEqual(7);
    await palette.getByRole('searchbox', { name: 'Search components' }).fill('process');
    expect(await palette.getByRole('option').allTextContents()).toEqual([expect.stringMatching(/^ProcessingMechanism/)]);
    await shot('palette');
    await p.keyboard.press('Enter');
    await poll(() => nodeCount(p)).toBe(1);
    const first = (await p.locator('.react-flow__node[data-id="Processing-0"]').boundingBox())!;
    expect(Math.abs(first.x - (box.x + 60))).toBeLessThan(4);
    await pane.click({ position: { x: box.width - 60, y: 40 } });
    await p.keyboard.press('a');
    await palette.getByRole('searchbox').fill('transfer');
    await poll(() => palette.getByRole('option').count()).toBeGreaterThanOrEqual(2);
    await palette.getByRole('option', { name: /^TransferMechanism/ }).click();
    await poll(() => nodeCount(p)).toBe(2);
    expect(Object.keys((await exported()).nodes as object)).toEqual(['Processing-0', 'Transfer-0']);
    await p.keyboard.press('Control+z');
    await poll(() => nodeCount(p)).toBe(1);
    await p.keyboard.press('Control+Shift+z');
    await poll(() => nodeCount(p)).toBe(2);
  });

  it('sets size, function and parameters in the inspector, with PsyNeuLink defaults as placeholders and inline validation', async () => {
    await p.locator('[data-node="Processing-0"]').click();
    await poll(() => inspector().locator('[data-inspecting]').getAttribute('data-inspecting')).toBe('Processing-0');
    await inspector().getByLabel('size', { exact: true }).fill('2');
    await inspector().getByLabel('size', { exact: true }).press('Enter');
    const intercept = inspector().getByLabel('intercept', { exact: true });
    expect(await intercept.getAttribute('placeholder')).toBe('0');
    expect(await intercept.getAttribute('aria-describedby')).toBeTruthy();
    await intercept.fill('0.5');
    await intercept.press('Enter');
    await p.locator('[data-node="Transfer-0"]').click();
    await poll(() => inspector().locator('[data-inspecting]').getAttribute('data-inspecting')).toBe('Transfer-0');
    await inspector().getByLabel('size', { exact: true }).fill('2');
    await inspector().getByLabel('size', { exact: true }).press('Enter');
    await inspector().getByRole('combobox', { name: 'function' }).selectOption('Logistic');
    const gain = inspector().getByLabel('gain', { exact: true });
    expect(await gain.getAttribute('placeholder')).toBe('1');
    await gain.fill('2');
    await gain.press('Enter');
    // a wrong value: the host's validation message appears beside the field
    const rate = inspector().getByLabel('integration_rate', { exact: true });
    await rate.fill('"fast"');
    await rate.press('Enter');
    const message = inspector().getByRole('alert');
    await poll(() => message.count()).toBe(1);
    expect(await message.textContent()).toMatch(/integration_rate.*(number)/);
    expect(await message.getAttribute('id')).toBe((await rate.getAttribute('aria-describedby'))!.split(' ')[1]);
    await message.scrollIntoViewIfNeeded();
    await shot('inspector-invalid');
    await inspector().getByRole('button', { name: 'Reset integration_rate' }).click();
    await poll(() => inspector().getByRole('alert').count()).toBe(0);
    const nodes = (await exported()).nodes as Record<string, unknown>;
    expect(nodes['Processing-0']).toMatchObject({ type: 'ProcessingMechanism', size: 2, function: { type: 'Linear', intercept: 0.5 } });
    expect(nodes['Transfer-0']).toMatchObject({ type: 'TransferMechanism', size: 2, function: { type: 'Logistic', gain: 2 } });
    expect(nodes['Transfer-0']).not.toHaveProperty('integration_rate');
    await shot('inspector');
  });

  it('connects the two nodes by dragging between handles and edits the matrix (presets, shape check)', async () => {
    const from = (await handle('Processing-0', 'source').boundingBox())!;
    const to = (await handle('Transfer-0', 'target').boundingBox())!;
    await p.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
    await p.mouse.down();
    await p.mouse.move(to.x + to.width / 2, to.y + to.height / 2, { steps: 12 });
    await p.mouse.up();
    await poll(() => edgeCount(p)).toBe(1);
    await poll(() => p.getByRole('region', { name: 'Diagnostics' }).textContent()).toContain('2 nodes, 1 projections');
    await p.locator('.react-flow__edge').click();
    await poll(() => inspector().locator('[data-inspecting]').getAttribute('data-inspecting')).toBe('projection-0');
    const matrix = inspector().getByLabel('matrix', { exact: true });
    await matrix.fill('[[1, 2, 3]]');
    await matrix.blur();
    await poll(() => inspector().getByTestId('shape-check').textContent()).toMatch(/needs 2 row/);
    await shot('shape-check');
    await inspector().getByRole('button', { name: 'random' }).click();
    await poll(() => inspector().getByTestId('shape-check').textContent()).toMatch(/fits/);
    const projections = (await exported()).projections as { sender: string; receiver: string; matrix: number[][] }[];
    expect(projections).toHaveLength(1);
    expect(projections[0]).toMatchObject({ sender: 'Processing-0', receiver: 'Transfer-0' });
    expect(projections[0]!.matrix.map((r) => r.length)).toEqual([2, 2]);
    await shot('connected');
  });

  it('renames a node (the projection follows) and undoes it', async () => {
    await p.locator('[data-node="Transfer-0"]').click();
    const name = inspector().getByLabel('Name', { exact: true });
    await name.fill('RESPONSE');
    await name.press('Enter');
    await poll(() => p.locator('[data-node="RESPONSE"]').count()).toBe(1);
    expect(await edgeCount(p)).toBe(1);
    expect(((await exported()).projections as { receiver: string }[])[0]!.receiver).toBe('RESPONSE');
    await p.locator('.react-flow__pane').click({ position: { x: 20, y: 20 } });
    await p.keyboard.press('Control+z');
    await poll(() => p.locator('[data-node="Transfer-0"]').count()).toBe(1);
    await p.keyboard.press('Control+Shift+z');
    await poll(() => p.locator('[data-node="RESPONSE"]').count()).toBe(1);
  });

  it('gives the input node inputs and the output node a condition, runs in Auto, and shows the engine’s numbers for the same model', async () => {
    await p.locator('[data-node="Processing-0"]').click();
    const csv = inspector().getByRole('textbox', { name: 'CSV for Processing-0' });
    await inspector().getByRole('button', { name: 'Paste CSV' }).click();
    await csv.fill('1, -1\n0.5, 2, 7\n0, 0');
    await inspector().getByRole('button', { name: 'Apply CSV' }).click();
    await poll(() => inspector().getByRole('alert').count()).toBe(1);
    await csv.fill('1, -1\n0.5, 2\n0, 0');
    await inspector().getByRole('button', { name: 'Apply CSV' }).click();
    await poll(() => inspector().getByRole('alert').count()).toBe(0);
    await p.locator('[data-node="RESPONSE"]').click();
    expect(await inspector().getByRole('group', { name: 'Inputs of RESPONSE' }).count()).toBe(0);
    await inspector().getByRole('combobox', { name: 'condition', exact: true }).selectOption('EveryNCalls');
    expect(await inspector().getByRole('combobox', { name: 'dependency' }).inputValue()).toBe('Processing-0');
    await inspector().getByRole('combobox', { name: 'condition', exact: true }).scrollIntoViewIfNeeded();
    await poll(() => p.getByRole('region', { name: 'Diagnostics' }).textContent()).toContain('inputs: Processing-0; outputs: RESPONSE');
    await shot('inputs-condition');
    const built = await exported();
    expect(built.run).toEqual({ inputs: { 'Processing-0': [[1, -1], [0.5, 2], [0, 0]] } });
    expect(built.conditions).toEqual({ RESPONSE: { type: 'EveryNCalls', dependency: 'Processing-0', n: 1 } });
    await p.getByRole('spinbutton', { name: 'Trials' }).fill('3');
    await p.getByRole('button', { name: 'Run', exact: true }).click();
    await runAndWait(p, 3);
    const expected = runModel({ model: built as never, mode: 'Auto', numTrials: 3 });
    const values = await tableValues(p);
    expect(values).toEqual(expected.results.map((trial) => trial.flat()));
    expect(new Set(values.map((r) => r.join())).size).toBe(3);
    expect(await p.getByRole('region', { name: 'Diagnostics' }).getByTestId('mode-executed').textContent()).toBe(expected.executed_mode);
    await shot('run');
  });

  it('shows the model’s LLVM IR (IR in Diagnostics)', async () => {
    await p.getByRole('region', { name: 'Diagnostics' }).getByRole('button', { name: 'IR', exact: true }).click();
    const dialog = p.getByRole('dialog', { name: 'LLVM IR' });
    await poll(() => dialog.getByTestId('ir-text').count(), ).toBe(1);
    // it opens on the selected node (RESPONSE, node 1): its execution and its gather, nothing else
    expect(await dialog.getByRole('combobox', { name: 'Show' }).inputValue()).toBe('RESPONSE');
    const one = (await dialog.getByTestId('ir-text').textContent())!;
    expect(one).toMatch(/^define [^\n]*@"?node\.1\./m);
    expect(one).toMatch(/^define [^\n]*@"?gather\.1\./m);
    expect(one).not.toMatch(/@"?node\.0\.|define [^\n]*@"?trial/);
    await dialog.getByRole('combobox', { name: 'Show' }).selectOption({ label: 'the whole model' });
    await poll(() => dialog.getByTestId('ir-text').textContent()).not.toBe(one);
    const whole = (await dialog.getByTestId('ir-text').textContent())!;
    expect(whole).toMatch(/^define [^\n]*@"?node\.0\./m);
    expect(whole).toContain(one.split('\n')[0]!);
    await shot('ir');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await poll(() => dialog.count()).toBe(0);
  });
});

describe('model files in the workspace folder', () => {
  let workspace: string;
  let wsHost: RunningHost;
  let p: Page;

  beforeAll(async () => {
    workspace = mkdtempSync(join(tmpdir(), 'cogstudio-e2e-'));
    const broken = structuredClone(model);
    broken.nodes.HIDDEN.function.gain = 'abc';
    writeFileSync(join(workspace, 'broken.cogmodel.json'), JSON.stringify(broken, null, 2));
    writeFileSync(join(workspace, 'time_interval.cogmodel.json'), JSON.stringify(TIME_INTERVAL_MODEL, null, 2));
    wsHost = await startWebHostProcess(['--workspace', workspace]);
    p = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    await p.goto(wsHost.url);
    await p.getByRole('dialog', { name: 'Examples' }).getByRole('button', { name: 'Close' }).click();
  }, 180_000);

  afterAll(async () => {
    await p?.close();
    await wsHost?.stop();
    rmSync(workspace, { recursive: true, force: true });
  });

  it('opens a file, lists its validation issue, and selects the node when the issue is clicked', async () => {
    await openInWorkspace(p, 'broken.cogmodel.json');
    await poll(() => nodeCount(p)).toBe(3);
    const issues = p.getByRole('region', { name: 'Diagnostics' }).getByRole('list', { name: 'Model issues' });
    await poll(() => issues.getByRole('button').count()).toBe(1);
    expect(await issues.getByRole('button').textContent()).toContain('nodes.HIDDEN.function.gain');
    await poll(() => p.locator('.react-flow__node.has-issue').evaluateAll((ns) => ns.map((n) => n.getAttribute('data-id')))).toEqual(['HIDDEN']);
    await issues.getByRole('button').click();
    await poll(() => p.locator('.react-flow__node[data-id="HIDDEN"]').getAttribute('class')).toContain('selected');
    await p.screenshot({ path: '/tmp/studio-issues.png' });
  });

  it('a run of an invalid model fails with the located issue, not a crash', async () => {
    await p.getByRole('button', { name: 'Run', exact: true }).click();
    await poll(() => p.getByRole('region', { name: 'Results' }).getAttribute('data-status')).toBe('failed');
    expect(await p.getByRole('region', { name: 'Diagnostics' }).getByRole('alert').textContent()).toMatch(/problems/);
  });

  it('saves an edit back to the file it came from (Save, Ctrl+S)', async () => {
    await p.locator('[data-node="OUTPUT"]').click();
    await p.keyboard.press('Delete');
    await poll(() => nodeCount(p)).toBe(2);
    await p.getByRole('button', { name: 'Save' }).click();
    await poll(() => Object.keys(JSON.parse(readFileSync(join(workspace, 'broken.cogmodel.json'), 'utf8')).nodes)).toEqual(['INPUT', 'HIDDEN']);
    await p.keyboard.press('Control+z');
    await p.keyboard.press('Control+s');
    await poll(() => Object.keys(JSON.parse(readFileSync(join(workspace, 'broken.cogmodel.json'), 'utf8')).nodes)).toEqual(['INPUT', 'HIDDEN', 'OUTPUT']);
  });

  it('after a save, a reloaded page reopens the file as an equal model, layout included', async () => {
    // an edit of the layout (drag a node), saved
    const box = (await p.locator('.react-flow__node [data-node="HIDDEN"]').boundingBox())!;
    await p.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await p.mouse.down();
    await p.mouse.move(box.x + box.width / 2 + 60, box.y + box.height / 2 + 90, { steps: 8 });
    await p.mouse.up();
    await p.keyboard.press('Control+s');
    await poll(() => p.getByTestId('dirty').count()).toBe(0);
    const saved = await modelOnScreen(p);
    expect(JSON.parse(readFileSync(join(workspace, 'broken.cogmodel.json'), 'utf8'))).toEqual(saved);
    await p.reload();
    await p.getByRole('dialog', { name: 'Examples' }).getByRole('button', { name: 'Close' }).click();
    await openInWorkspace(p, 'broken.cogmodel.json');
    await poll(() => p.locator('.statusbar').textContent()).toContain('broken.cogmodel.json');
    await poll(() => modelOnScreen(p)).toEqual(saved);
    // the dragged position is part of what was saved and reopened (the node's studio.position)
    const nodes = saved.nodes as Record<string, { studio?: { position?: { x: number; y: number } } }>;
    expect(nodes.HIDDEN?.studio?.position).toBeTruthy();
  });

  it('shows each Auto fallback with its reason, and the numbers of the mode that ran', async () => {
    await openInWorkspace(p, 'time_interval.cogmodel.json');
    // the model before had 3 nodes too: wait until the new one is on screen (opening it clears the last run)
    await poll(() => p.locator('.statusbar').textContent()).toContain('time_interval.cogmodel.json');
    await poll(() => nodeCount(p)).toBe(3);
    await p.getByRole('button', { name: 'Run', exact: true }).click();
    await runAndWait(p, 5);
    const expected = runModel({ model: TIME_INTERVAL_MODEL, mode: 'Auto' });
    expect(expected.warnings.length).toBeGreaterThan(0);
    const diagnostics = p.getByRole('region', { name: 'Diagnostics' });
    expect(await diagnostics.getByTestId('mode-executed').textContent()).toBe(expected.executed_mode);
    expect(await diagnostics.getByRole('list', { name: 'Warnings' }).getByRole('listitem').allTextContents()).toEqual(expected.warnings);
    expect(await tableValues(p)).toEqual(expected.results.map((trial) => trial.flat()));
    await p.screenshot({ path: '/tmp/studio-fallback.png' });
  });

  it('refuses a path outside the workspace folder', async () => {
    await openInWorkspace(p, '../../etc/passwd.json');
    await poll(() => p.locator('.statusbar').textContent()).toMatch(/no such file in the workspace|only files inside the workspace/);
    // the model on screen stays
    expect(await p.locator('.statusbar').textContent()).toContain('time_interval.cogmodel.json');
  });
});

describe('the web host refuses requests without the right token', () => {
  it('answers HTTP 401 without a token and 403 with a wrong one', async () => {
    expect((await fetch(`${host.origin}/`)).status).toBe(401);
    expect((await fetch(`${host.origin}/main.js`)).status).toBe(401);
    expect((await fetch(`${host.origin}/?token=wrong`)).status).toBe(403);
    expect((await fetch(`${host.origin}/?token=${host.token}x`)).status).toBe(403);
    const ok = await fetch(host.url);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(ok.headers.get('x-content-type-options')).toBe('nosniff');
  });

  const upgrade = (url: string, headers: Record<string, string> = {}) =>
    new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(url, { headers });
      ws.on('open', () => {
        ws.close();
        resolve(101);
      });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', (e) => (e.message.includes('Unexpected server response') ? undefined : reject(e)));
    });

  it('refuses WebSocket upgrades without the token, with a wrong one, or from another origin', async () => {
    const ws = `ws://127.0.0.1:${host.port}/ws`;
    expect(await upgrade(ws)).toBe(401);
    expect(await upgrade(`${ws}?token=wrong`)).toBe(403);
    expect(await upgrade(`${ws}?token=${host.token}`, { Origin: 'http://evil.example' })).toBe(403);
    expect(await upgrade(`${ws}?token=${host.token}`, { Origin: host.origin })).toBe(101);
  });

  it('answers a malformed request with an error, not a crash', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/ws?token=${host.token}`, { headers: { Origin: host.origin } });
    await new Promise((r) => ws.once('open', r));
    const reply = new Promise<unknown>((r) => ws.once('message', (d) => r(JSON.parse(String(d)))));
    ws.send(JSON.stringify({ id: 7, request: { method: 'examples.open', name: '../../etc/passwd' } }));
    expect(await reply).toMatchObject({ id: 7, response: { ok: false, error: { kind: 'invalid-request' } } });
    ws.close();
  });
});
