/**
 * The Diagnostics region: the mode asked for and the mode that ran, each Auto fallback,
 * compile time per stage, IR size and cache, run timings, run errors, and the model's
 * validation issues — each issue selects its node when clicked — and the model's LLVM IR (IR).
 */
import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { ModelIssue } from '../../shared/ipc/protocol.js';
import { describeTiers } from '../../shared/protocol/engine.js';
import { useRunState, useStudio } from '../context.js';
import { issueNode } from '../store/run-store.js';
import { IrViewer } from './IrViewer.js';

const STAGES = [
  ['codegen_ms', 'codegen'],
  ['ir_write_ms', 'IR write'],
  ['ir_parse_ms', 'IR parse'],
  ['verify_ms', 'verify'],
  ['optimize_ms', 'optimise'],
  ['machine_code_ms', 'machine code'],
  ['total_ms', 'total'],
] as const;

const ms = (x: number) => `${x.toFixed(1)} ms`;

export function DiagnosticsPanel() {
  const studio = useStudio();
  const { diagnostics, timings, error, validation } = useRunState(
    useShallow((s) => ({ diagnostics: s.diagnostics, timings: s.timings, error: s.error, validation: s.validation })),
  );
  const selectIssue = (issue: ModelIssue) => {
    const node = issueNode(issue);
    if (node && node in studio.model.getState().model.nodes) studio.model.getState().select({ nodes: [node], edges: [] });
  };
  const issues = [...(validation?.issues ?? []), ...(error?.issues ?? [])];
  const [irOpen, setIrOpen] = useState(false);

  return (
    <section className="panel diagnostics" role="region" aria-label="Diagnostics">
      <h2>
        Diagnostics
        <button type="button" className="small" onClick={() => setIrOpen(true)} title="Show the LLVM IR generated for this model">
          IR
        </button>
      </h2>
      {irOpen && <IrViewer onClose={() => setIrOpen(false)} />}
      {diagnostics && (
        <dl className="facts">
          <dt>Mode requested</dt>
          <dd data-testid="mode-requested">{diagnostics.mode}</dd>
          <dt>Mode executed</dt>
          <dd data-testid="mode-executed">{diagnostics.executed_mode}</dd>
          {(diagnostics.build_ms ?? timings?.build_ms) !== undefined && (
            <>
              <dt>Build</dt>
              <dd>{ms((diagnostics.build_ms ?? timings?.build_ms)!)}</dd>
            </>
          )}
        </dl>
      )}
      {diagnostics && diagnostics.warnings.length > 0 && (
        <ul className="warnings" aria-label="Warnings">
          {diagnostics.warnings.map((w, i) => (
            <li key={i}>{w}</li>
          ))}
        </ul>
      )}
      {diagnostics?.compile && (
        <table className="compile" aria-label="Compile timings">
          <caption>
            Compile (O{diagnostics.compile.opt_level}, cache {diagnostics.compile.cache})
          </caption>
          <tbody>
            {STAGES.map(([key, label]) => (
              <tr key={key} data-stage={key}>
                <th scope="row">{label}</th>
                <td>{ms(diagnostics.compile![key])}</td>
              </tr>
            ))}
            <tr>
              <th scope="row">IR size</th>
              <td data-testid="ir-size">
                {(diagnostics.compile.ir_bytes / 1024).toFixed(1)} KiB of bitcode, {diagnostics.compile.functions} functions
              </td>
            </tr>
            <tr>
              <th scope="row">cache</th>
              <td>{diagnostics.compile.cache}</td>
            </tr>

          </tbody>
        </table>
      )}
      {diagnostics?.compile?.tiers && (
        <p className="tiers" data-testid="compile-tiers" title="Tiered compile: O0 code first, O2 code swapped in between blocks (same results)">
          {describeTiers(diagnostics.compile.tiers)}
        </p>
      )}
      {timings && (
        <p className="timings" data-testid="run-timings">
          Ran in {ms(timings.run_ms)} ({Math.round(timings.trials_per_s).toLocaleString('en-US')} trials/s); total {ms(timings.total_ms)}
        </p>
      )}
      {error && (
        <p className="error" role="alert">
          {error.kind === 'model' ? 'The model has problems: ' : ''}
          {error.issues?.length ? `${error.issues.length} issue(s) below` : error.message}
        </p>
      )}
      {validation?.valid && !error && <p className="ok">Model valid: {validation.summary}</p>}
      {issues.length > 0 && (
        <ul className="issues" aria-label="Model issues">
          {issues.map((issue, i) => (
            <li key={i}>
              <button type="button" className="issue" onClick={() => selectIssue(issue)} data-node={issueNode(issue) ?? ''}>
                {issue.path && <code>{issue.path}</code>} {issue.message}
                {issue.expected ? ` (expected ${issue.expected}${issue.found ? `, found ${issue.found}` : ''})` : ''}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
