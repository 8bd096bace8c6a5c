/**
 * The host side of the renderer protocol, shared by the web host and the Electron shell: it
 * checks each request against the shared schemas, answers it from the examples folder, the
 * user's files (through a FileAccess that each shell provides) and the engine, and forwards run
 * events. Transport-free: each shell feeds it parsed frames and delivers what it returns.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  HostRequestSchema,
  ModelDocumentSchema,
  type ExampleInfo,
  type HostResponse,
  type ModelDocument,
  type OpenedModel,
  type RecentFile,
  type RunEvent,
} from '../../shared/ipc/protocol.js';
import { componentCatalog } from './catalog.js';
import type { StudioEngine } from './engine.js';
import { HostRequestError, describeFailure } from './host-error.js';
import type { RecoveryStore } from './recovery-store.js';
import { HostSweeps } from '../sweep/host-sweeps.js';
import type { SweepWorkerSpawner } from '../sweep/pool.js';

export { HostRequestError } from './host-error.js';

/** Where the user's model files may be read and written; each shell decides what the user chose. */
export interface FileAccess {
  /** Opens `path`, or asks the user for a file when no path is given; null when the user cancels. */
  open(path?: string): Promise<{ path: string; text: string } | null>;
  /**
   * Saves atomically to `path`, or asks the user where; returns the path written, or null when
   * cancelled. A failed save leaves the old file as it was and throws an error naming path and cause.
   */
  save(model: ModelDocument, path?: string): Promise<string | null>;
  /** Recent model files, most recent first, each with whether it still exists. */
  recent(): Promise<RecentFile[]>;
  /** Writes an export named `name` where the shell keeps exports (or asks); null when cancelled. */
  export(name: string, data: Buffer): Promise<string | null>;
  /** The absolute path of a model file path as the renderer names it; null when it is not there. */
  resolve(path: string): Promise<string | null>;
}

/** What a shell may add to the service: the recovery file, and a listener for the page's unsaved state. */
export interface StudioServiceOptions {
  recovery?: RecoveryStore;
  onSessionState?: (state: { dirty: boolean; title: string }) => void;
  /** How sweep worker processes start (Electron: utility processes); default forked Node processes. */
  sweepWorker?: SweepWorkerSpawner;
}

export const EXAMPLE_SUFFIX = '.cogmodel.json';

export function parseModelJson(text: string, where: string): ModelDocument {
  let json: unknown;
  try {
    json = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    throw new HostRequestError({ kind: 'file', message: `${where} is not valid JSON: ${(e as Error).message}` });
  }
  const r = ModelDocumentSchema.safeParse(json);
  if (!r.success) throw new HostRequestError({ kind: 'file', message: `${where} is not a CogStudio model (it needs "format", "version" and "nodes")` });
  return r.data;
}

export class StudioService {
  private sweepsMade?: HostSweeps;

  constructor(
    private readonly engine: StudioEngine,
    private readonly files: FileAccess,
    private readonly examplesDir: string,
    private readonly options: StudioServiceOptions = {},
  ) {}

  private get sweeps(): HostSweeps {
    return (this.sweepsMade ??= new HostSweeps(this.options.sweepWorker));
  }

  private recovery(): RecoveryStore {
    if (!this.options.recovery) throw new HostRequestError({ kind: 'unavailable', message: 'this host keeps no recovery file' });
    return this.options.recovery;
  }

  /** Answers one request (any shape: it is checked here); run events go to `emit`. */
  async handle(raw: unknown, emit: (event: RunEvent) => void): Promise<HostResponse> {
    const parsed = HostRequestSchema.safeParse(raw);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      return { ok: false, error: { kind: 'invalid-request', message: `invalid request${first ? ` at ${first.path.join('.') || 'top level'}: ${first.message}` : ''}` } };
    }
    const req = parsed.data;
    try {
      switch (req.method) {
        case 'examples.list':
          return ok({ examples: await this.listExamples() });
        case 'examples.open':
          return ok(await this.openExample(req.name));
        case 'file.open': {
          const file = await this.files.open(req.path);
          const opened: OpenedModel | null = file ? { model: parseModelJson(file.text, file.path), source: { kind: 'file', path: file.path } } : null;
          return ok({ opened });
        }
        case 'file.save':
          return ok({ path: await this.files.save(req.model, req.path) });
        case 'file.recent':
          return ok({ files: await this.files.recent() });
        case 'file.export':
          return ok({ path: await this.files.export(req.name, Buffer.from(req.content, req.encoding)) });
        case 'recovery.save':
          return ok({ savedAt: await this.recovery().save(req.model, req.source) });
        case 'recovery.check':
          return ok({ recovery: await this.recovery().check() });
        case 'recovery.discard':
          return ok({ discarded: await this.recovery().discard() });
        case 'session.state':
          this.options.onSessionState?.({ dirty: req.dirty, title: req.title });
          return ok({});
        case 'model.validate':
          return ok(await this.engine.validate(req.model));
        case 'model.compile':
          return ok(await this.engine.compile(req.model, req.mode, req.optLevel));
        case 'run.start':
          this.engine.run(req.params, emit);
          return ok({ runId: req.params.runId });
        case 'run.cancel':
          return ok({ cancelled: this.engine.cancel(req.runId) });
        case 'run.passes':
          return ok(await this.engine.passes(req.model, req.node, req.trial, req.inputs));
        case 'catalog.get':
          return ok(componentCatalog());
        case 'sweep.start':
          this.sweeps.start(req.params, emit);
          return ok({ runId: req.params.runId });
        case 'sweep.cancel':
          return ok({ cancelled: this.sweeps.cancel(req.runId) });
      }
    } catch (e) {
      return { ok: false, error: describeFailure(e) };
    }
  }

  async listExamples(): Promise<ExampleInfo[]> {
    const names = (await readdir(this.examplesDir)).filter((f) => f.endsWith(EXAMPLE_SUFFIX)).sort();
    const out: ExampleInfo[] = [];
    for (const file of names) {
      const name = file.slice(0, -EXAMPLE_SUFFIX.length);
      try {
        const model = parseModelJson(await readFile(join(this.examplesDir, file), 'utf8'), file);
        const studio = (model as { studio?: { description?: unknown } }).studio;
        out.push({
          name,
          title: typeof model.name === 'string' && model.name ? model.name : name,
          description: typeof studio?.description === 'string' ? studio.description : '',
          nodes: Object.keys(model.nodes).length,
        });
      } catch {
        // a broken example is left out of the gallery rather than hiding the others
      }
    }
    return out;
  }

  async openExample(name: string): Promise<OpenedModel> {
    const known = (await readdir(this.examplesDir)).includes(name + EXAMPLE_SUFFIX);
    if (!known) throw new HostRequestError({ kind: 'file', message: `there is no example named ${JSON.stringify(name)}` });
    const text = await readFile(join(this.examplesDir, name + EXAMPLE_SUFFIX), 'utf8');
    return { model: parseModelJson(text, name + EXAMPLE_SUFFIX), source: { kind: 'example', name } };
  }
}

function ok(result: unknown): HostResponse {
  return { ok: true, result };
}
