/** The IR viewer: the LLVM IR the host generates for the model on screen (its compile request). */
import { useEffect, useState } from 'react';
import type { CompileResult } from '../../shared/ipc/protocol.js';
import { useStudio } from '../context.js';
import { ModalDialog } from './ModalDialog.js';

export function IrViewer({ onClose }: { onClose: () => void }) {
  const studio = useStudio();
  const [result, setResult] = useState<CompileResult | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    studio.host.call({ method: 'model.compile', model: studio.model.getState().model, mode: 'LLVMRun' }).then(
      (r) => live && setResult(r),
      (e: Error) => live && setError(e.message),
    );
    return () => {
      live = false;
    };
  }, [studio]);

  const meta = result && (
    <span className="panel-meta">
      {(result.diagnostics.ir_bytes / 1024).toFixed(1)} KiB, {result.diagnostics.functions} functions, {result.ir.split('\n').length} lines (mode {result.mode})
    </span>
  );

  return (
    <ModalDialog label="LLVM IR" className="ir-dialog" onClose={onClose} meta={meta}>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {!result && !error && <p className="hint">Compiling…</p>}
      {result && (
        <pre className="ir" data-testid="ir-text">
          {result.ir}
        </pre>
      )}
    </ModalDialog>
  );
}
