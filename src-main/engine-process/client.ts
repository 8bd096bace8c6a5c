/**
 * The parent side of the engine process: starts it, sends requests, routes events back to
 * their request, and survives the engine dying. A crash (SIGSEGV in JIT'd code, a kill, a
 * non-zero exit) or a hang (a cancel not acknowledged in time) ends every pending request with
 * a `crash` error; the next request starts a fresh engine. An engine whose memory has grown
 * past a bound is replaced when idle (llvm-bindings leaks a little per compiled module).
 */
import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  MAX_MESSAGE_BYTES,
  messageShapeProblem,
  fromWire,
  type CompileRequest,
  type DebugRequest,
  type EngineEvent,
  type ErrorEvent,
  type FinalEvent,
  type ResetSessionRequest,
  type RunRequest,
  type TraceRequest,
  type ValidateRequest,
  type WireEvent,
} from '../../shared/protocol/engine.js';

/** One engine process as the client sees it; `spawn` may give any transport behind this. */
export interface EngineChild {
  readonly pid: number | undefined;
  send(msg: unknown): void;
  onMessage(cb: (msg: unknown) => void): void;
  /** Called once when the process has ended (`signal` null for a plain exit). */
  onExit(cb: (code: number | null, signal: string | null) => void): void;
  kill(signal?: NodeJS.Signals): void;
}

export interface ForkOptions {
  /** Extra environment for the engine process (e.g. COGSTUDIO_ENGINE_TEST_FAULTS). */
  env?: Record<string, string>;
}

/** A request the client sends and follows to its final event. */
export type ClientRequest = RunRequest | TraceRequest | ValidateRequest | CompileRequest | (ResetSessionRequest & { id: string }) | DebugRequest;

export interface EngineClientOptions {
  /** Starts an engine process (default: `forkEngine()`). */
  spawn?: () => EngineChild;
  /** A cancel not answered within this time means the engine hangs: it is killed. Default 1000 ms. */
  cancelTimeoutMs?: number;
  /** ...except while it compiles (which cannot be interrupted): then this. Default 30 000 ms. */
  compileTimeoutMs?: number;
  /** Replace the engine, once idle, when its resident memory exceeds this. Default 1.5 GB. */
  maxRssBytes?: number;
}

interface Pending {
  readonly request: ClientRequest;
  readonly onEvent?: (e: EngineEvent) => void;
  readonly resolve: (e: FinalEvent) => void;
  readonly child: EngineChild;
  compiling: boolean;
  cancelTimer: NodeJS.Timeout | null;
  cancelSentAt: number;
  /** A warning to add to this run's diagnostics: its session was lost with an earlier engine. */
  lostSession?: string;
}

const here = import.meta.url;

/**
 * A process entry `base` next to the module `moduleUrl` (`.ts` from sources through tsx; `.js`
 * when built), with the node options to fork it.
 */
export function entryNextTo(moduleUrl: string, base: string): { path: string; execArgv: string[] } {
  if (moduleUrl.endsWith('.ts')) {
    // an absolute loader URL, so that the CLI works from any directory
    const tsx = pathToFileURL(createRequire(moduleUrl).resolve('tsx')).href;
    return { path: fileURLToPath(new URL(`./${base}.ts`, moduleUrl)), execArgv: ['--import', tsx] };
  }
  return { path: fileURLToPath(new URL(`./${base}.js`, moduleUrl)), execArgv: [] };
}

/** The engine entry next to this file. */
const childEntry = () => entryNextTo(here, 'child');

/** Forks the engine process (Node IPC with structured-clone serialisation: NaN survives). */
export function forkEngine(opts: ForkOptions = {}): EngineChild {
  const { path, execArgv } = childEntry();
  return forkChild(path, execArgv, opts.env, 'engine process');
}

/**
 * A forked Node process running `path` as an EngineChild (the engine, a sweep worker): Node IPC
 * with structured-clone serialisation, so NaN survives; `onExit` fires once, also when the process
 * could not be started at all ('error' without 'exit').
 */
export function forkChild(path: string, execArgv: string[], env: NodeJS.ProcessEnv | undefined, what: string): EngineChild {
  const child = fork(path, [], {
    execArgv,
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, ...env },
  });
  return {
    get pid() {
      return child.pid;
    },
    send: (msg) => {
      if (child.connected) child.send(msg as object);
    },
    onMessage: (cb) => child.on('message', cb),
    onExit: (cb) => {
      let ended = false;
      const end = (code: number | null, signal: string | null) => {
        if (!ended) cb(code, signal);
        ended = true;
      };
      child.on('exit', end);
      child.on('error', (e) => {
        console.error(`${what}: ${e.message}`);
        if (child.exitCode === null && child.signalCode === null && child.pid === undefined) end(1, null);
      });
    },
    kill: (signal) => child.kill(signal),
  };
}

function describe(req: ClientRequest): string {
  switch (req.type) {
    case 'run': {
      const name = typeof req.model.name === 'string' ? ` of model ${JSON.stringify(req.model.name)}` : '';
      return `run ${JSON.stringify(req.id)}${name} (${req.mode ?? 'Auto'}${req.numTrials ? `, ${req.numTrials} trials` : ''})`;
    }
    case 'compile':
      return `compile ${JSON.stringify(req.id)} (${req.mode ?? 'LLVMRun'})`;
    default:
      return `${req.type} ${JSON.stringify(req.id)}`;
  }
}

export class EngineClient {
  private child: EngineChild | null = null;
  private readonly pending = new Map<string, Pending>();
  /** Session keys living in the current engine, and those lost with an earlier one. */
  private readonly liveSessions = new Set<string>();
  private readonly lostSessions = new Set<string>();
  private recycleWhenIdle = false;
  /** Engines that have exited, and those asked to shut down. */
  private readonly ended = new WeakSet<EngineChild>();
  private readonly retiring = new WeakSet<EngineChild>();
  /** Engines that have sent something (started properly): only those are restarted at once. */
  private readonly heard = new WeakSet<EngineChild>();
  private closed = false;
  private restartCount = 0;
  private readonly spawn: () => EngineChild;
  private readonly cancelTimeoutMs: number;
  private readonly compileTimeoutMs: number;
  private readonly maxRssBytes: number;

  constructor(opts: EngineClientOptions = {}) {
    this.spawn = opts.spawn ?? (() => forkEngine());
    this.cancelTimeoutMs = opts.cancelTimeoutMs ?? 1000;
    this.compileTimeoutMs = opts.compileTimeoutMs ?? 30_000;
    this.maxRssBytes = opts.maxRssBytes ?? 1.5 * 2 ** 30;
  }

  /** The engine process's id (undefined until the first request or after a crash). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Engines replaced so far (after crashes, hangs and memory recycling). */
  get restarts(): number {
    return this.restartCount;
  }

  /**
   * Sends a request; `onEvent` sees each of its events (the final one included). Resolves with
   * the final event — `done` or `error` — and never rejects.
   */
  request(req: ClientRequest, onEvent?: (e: EngineEvent) => void): Promise<FinalEvent> {
    const id = req.id;
    const refuse = (message: string): Promise<FinalEvent> => {
      const e: ErrorEvent = { type: 'error', id, kind: 'protocol', message };
      onEvent?.(e);
      return Promise.resolve(e);
    };
    if (this.closed) return refuse('the engine client is closed');
    if (typeof id !== 'string' || id.length === 0) return refuse('a request needs a non-empty string id');
    if (this.pending.has(id)) return refuse(`a request with id ${JSON.stringify(id)} is still pending; ids must be unique`);
    // checked here too, so that an oversized message never crosses the channel
    const shape = messageShapeProblem(req, MAX_MESSAGE_BYTES);
    if (shape) return refuse(shape);
    let child: EngineChild;
    try {
      child = this.ensureChild();
    } catch (e) {
      const failed: ErrorEvent = { type: 'error', id, kind: 'crash', message: `the engine process could not be started: ${(e as Error).message}` };
      onEvent?.(failed);
      return Promise.resolve(failed);
    }
    return new Promise<FinalEvent>((resolve) => {
      const p: Pending = { request: req, onEvent, resolve, child, compiling: false, cancelTimer: null, cancelSentAt: 0 };
      const session = req.type === 'run' || req.type === 'compile' || req.type === 'reset-session' ? req.session : undefined;
      if (session !== undefined) {
        if (req.type === 'reset-session') {
          this.lostSessions.delete(session);
          this.liveSessions.delete(session);
        } else {
          if (this.lostSessions.delete(session)) p.lostSession = session;
          this.liveSessions.add(session);
        }
      }
      this.pending.set(id, p);
      child.send(req);
    });
  }

  /**
   * Asks the engine to stop a request. If the engine does not answer in time (native code that
   * hangs), it is killed and every pending request ends with a `crash` error.
   */
  cancel(id: string): void {
    const p = this.pending.get(id);
    if (!p || p.cancelTimer) return;
    p.cancelSentAt = Date.now();
    p.child.send({ type: 'cancel', id });
    const check = () => {
      if (this.pending.get(id) !== p) return;
      const waited = Date.now() - p.cancelSentAt;
      const running = this.running(p.child);
      const limit = running?.compiling ? this.compileTimeoutMs : this.cancelTimeoutMs;
      if (waited < limit) {
        p.cancelTimer = setTimeout(check, limit - waited);
        return;
      }
      const what = running ? describe(running.request) : describe(p.request);
      this.killChild(p.child, `the engine process stopped responding (a cancel was not acknowledged within ${waited} ms) while running ${what}`);
    };
    p.cancelTimer = setTimeout(check, this.cancelTimeoutMs);
  }

  /** Stops the engine process; pending requests end as cancelled. */
  async close(): Promise<void> {
    this.closed = true;
    const child = this.child;
    if (!child) return;
    this.child = null;
    await this.retire(child);
  }

  private ensureChild(): EngineChild {
    if (this.child) return this.child;
    const child = this.spawn();
    this.child = child;
    child.onMessage((msg) => this.onMessage(child, msg));
    child.onExit((code, signal) => this.onExit(child, code, signal));
    return child;
  }

  /** The request an engine is executing: its oldest pending one (requests run in order). */
  private running(child: EngineChild): Pending | undefined {
    for (const p of this.pending.values()) if (p.child === child) return p;
    return undefined;
  }

  private onMessage(child: EngineChild, msg: unknown): void {
    this.heard.add(child);
    if (typeof msg !== 'object' || msg === null) return;
    const e = fromWire(msg as WireEvent);
    if (!e) {
      console.error('engine client: a malformed trial batch was dropped');
      return;
    }
    const p = e.id !== null && typeof e.id === 'string' ? this.pending.get(e.id) : undefined;
    if (!p || p.child !== child) {
      if (e.type === 'error') console.error(`engine: ${e.message}`);
      return;
    }
    if (e.type === 'progress' && e.phase) p.compiling = e.phase === 'compile';
    if (e.type === 'diagnostics') {
      p.compiling = false;
      if (p.lostSession !== undefined) {
        e.warnings.unshift(`session ${JSON.stringify(p.lostSession)} was lost when the engine process restarted; this run starts from the model's initial state`);
      }
    }
    if (e.type === 'done' || e.type === 'error') {
      this.finish(p, e);
      if (e.rss !== undefined && e.rss > this.maxRssBytes) this.recycleWhenIdle = true;
      if (this.recycleWhenIdle && this.pending.size === 0 && this.child === child) {
        this.recycleWhenIdle = false;
        this.forgetSessions();
        this.child = null;
        this.restartCount++;
        void this.retire(child);
      }
      return;
    }
    this.deliver(p, e);
  }

  private deliver(p: Pending, e: EngineEvent): void {
    try {
      p.onEvent?.(e);
    } catch (err) {
      console.error('engine client: an event listener threw:', err);
    }
  }

  private finish(p: Pending, e: FinalEvent): void {
    if (p.cancelTimer) clearTimeout(p.cancelTimer);
    this.pending.delete(p.request.id);
    this.deliver(p, e);
    p.resolve(e);
  }

  private onExit(child: EngineChild, code: number | null, signal: string | null): void {
    this.ended.add(child);
    if (this.retiring.has(child)) {
      // shut down on purpose: what it had not answered was cancelled
      for (const p of [...this.pending.values()]) {
        if (p.child === child) this.finish(p, { type: 'done', id: p.request.id, trials: 0, cancelled: true, timings: { total_ms: 0 } });
      }
      return;
    }
    const mine = [...this.pending.values()].filter((p) => p.child === child);
    const how = signal ? `crashed (${signal})` : `exited with code ${code}`;
    const restarted = this.replace(child);
    if (mine.length === 0) return;
    const message = `the engine process ${how} while running ${describe(mine[0]!.request)}; ${restarted}; your model is unchanged`;
    this.failAll(child, message);
  }

  /**
   * Drops a dead or hung engine and starts the next one now, unless it died before saying
   * anything (a broken start would otherwise loop): then the next request starts it.
   */
  private replace(child: EngineChild): string {
    if (this.child !== child) return 'it has been restarted';
    this.child = null;
    this.restartCount++;
    this.forgetSessions();
    if (this.closed || !this.heard.has(child)) return 'a new one will be started for the next request';
    try {
      this.ensureChild();
      return 'it has been restarted';
    } catch {
      return 'a new one will be started for the next request';
    }
  }

  /** Kills a hung engine and ends its requests with `message`. */
  private killChild(child: EngineChild, why: string): void {
    child.kill('SIGKILL');
    this.failAll(child, `${why}; it was stopped and ${this.replace(child).replace(/^it /, '')}; your model is unchanged`);
  }

  private failAll(child: EngineChild, message: string): void {
    for (const p of [...this.pending.values()]) {
      if (p.child === child) this.finish(p, { type: 'error', id: p.request.id, kind: 'crash', message });
    }
  }

  private forgetSessions(): void {
    for (const s of this.liveSessions) this.lostSessions.add(s);
    this.liveSessions.clear();
  }

  /** Asks an engine to shut down, and kills it if it has not gone within 2 s. */
  private retire(child: EngineChild): Promise<void> {
    this.retiring.add(child);
    if (this.ended.has(child)) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
      child.onExit(() => {
        clearTimeout(timer);
        resolve();
      });
      child.send({ type: 'shutdown' });
    });
  }
}
