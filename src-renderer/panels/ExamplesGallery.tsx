/** The Examples gallery: the bundled example models, each opened with one click. */
import { useEffect, useState } from 'react';
import type { ExampleInfo } from '../../shared/ipc/protocol.js';
import { useStudio } from '../context.js';
import { ModalDialog } from './ModalDialog.js';
import { confirmLeave } from '../files/file-actions.js';
import { openExample } from '../studio.js';

export function ExamplesGallery({ onClose }: { onClose: () => void }) {
  const studio = useStudio();
  const [examples, setExamples] = useState<ExampleInfo[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    studio.host.call({ method: 'examples.list' }).then(
      (r) => setExamples(r.examples),
      (e: Error) => setError(e.message),
    );
  }, [studio]);

  const open = async (name: string) => {
    try {
      if (!(await confirmLeave(studio, 'open another model'))) return;
      await openExample(studio, name);
      onClose();
    } catch (e) {
      setError((e as Error).message);
    }
  };

  return (
    <ModalDialog label="Examples" onClose={onClose}>
      {error && <p className="error">{error}</p>}
      {!examples && !error && <p>Loading…</p>}
      <ul className="gallery">
        {examples?.map((ex) => (
          <li key={ex.name}>
            <button type="button" className="gallery-item" onClick={() => void open(ex.name)} aria-label={`Open ${ex.title}`}>
              <span className="gallery-title">{ex.title}</span>
              <span className="gallery-meta">{ex.nodes === 1 ? '1 node' : `${ex.nodes} nodes`}</span>
              <span className="gallery-description">{ex.description}</span>
            </button>
          </li>
        ))}
      </ul>
    </ModalDialog>
  );
}
