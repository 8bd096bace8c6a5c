/**
 * The component palette: a searchable list of the mechanism types in the catalog. Choosing one
 * (click, or arrows + Enter) adds a node of that type where the palette was opened (a double-click
 * on the canvas, or the centre of the view), as one undoable command.
 */
import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { useReactFlow } from '@xyflow/react';
import { useStore } from 'zustand';
import type { ModelDocument } from '../../shared/ipc/protocol.js';
import { nodeEntries, positionOf, type Position } from '../model/document.js';
import { useStudio } from '../context.js';
import { addNodeOfType } from '../studio.js';

export function Palette({ at, onClose }: { at: Position | null; onClose: () => void }) {
  const studio = useStudio();
  const flow = useReactFlow();
  const catalog = useStore(studio.catalog, (s) => s.catalog);
  const catalogError = useStore(studio.catalog, (s) => s.error);
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const search = useRef<HTMLInputElement>(null);

  useEffect(() => {
    void studio.catalog.getState().load(studio.host);
    search.current?.focus();
  }, [studio]);

  const matches = useMemo(() => {
    const q = query.trim().toLowerCase();
    return (catalog?.mechanisms ?? []).filter((m) => !q || m.type.toLowerCase().includes(q) || m.help.toLowerCase().includes(q));
  }, [catalog, query]);

  const choose = (type: string) => {
    let position = at;
    if (!position) {
      // the centre of the canvas, moved right (then down) until it covers no other node
      const rect = document.querySelector('.canvas')?.getBoundingClientRect();
      const centre = rect ? { x: rect.left + rect.width / 2, y: rect.top + rect.height / 2 } : { x: 400, y: 300 };
      const c = flow.screenToFlowPosition(centre);
      position = freeSpot(studio.model.getState().model, { x: c.x - 90, y: c.y - 32 });
    }
    addNodeOfType(studio, type, position);
    onClose();
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.stopPropagation();
      onClose();
    } else if (e.key === 'ArrowDown') {
      e.preventDefault();
      setActive((a) => Math.min(a + 1, Math.max(0, matches.length - 1)));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((a) => Math.max(0, a - 1));
    } else if (e.key === 'Enter') {
      e.preventDefault();
      const m = matches[Math.min(active, matches.length - 1)];
      if (m) choose(m.type);
    }
  };

  return (
    <div className="overlay overlay-light" onClick={onClose}>
      <div className="dialog palette" role="dialog" aria-modal="true" aria-label="Palette" onClick={(e) => e.stopPropagation()} onKeyDown={onKeyDown}>
        <input
          ref={search}
          type="search"
          className="palette-search"
          aria-label="Search components"
          placeholder="Add a mechanism… (type to search, ↑↓ Enter)"
          value={query}
          onChange={(e) => {
            setQuery(e.target.value);
            setActive(0);
          }}
        />
        {catalogError && <p className="error">{catalogError}</p>}
        {!catalog && !catalogError && <p className="hint">Loading components…</p>}
        <ul className="palette-list" role="listbox" aria-label="Components">
          {matches.map((m, i) => (
            <li key={m.type} role="option" aria-selected={i === active} className={i === active ? 'active' : undefined} onMouseEnter={() => setActive(i)} onClick={() => choose(m.type)}>
              <span className="palette-type">{m.type}</span>
              <span className="palette-help">{m.help}</span>
            </li>
          ))}
          {catalog && matches.length === 0 && <li className="hint">No component matches “{query}”.</li>}
        </ul>
      </div>
    </div>
  );
}

/** The first place from `start`, stepping right then down, where a new node covers no other. */
export function freeSpot(model: ModelDocument, start: Position): Position {
  const taken = nodeEntries(model)
    .map(([, spec]) => positionOf(spec))
    .filter((p): p is Position => !!p);
  for (let row = 0; row < 8; row++) {
    for (let col = 0; col < 4; col++) {
      const at = { x: start.x + col * 220, y: start.y + row * 100 };
      if (!taken.some((p) => Math.abs(p.x - at.x) < 200 && Math.abs(p.y - at.y) < 90)) return at;
    }
  }
  return start;
}
