/** The keyboard shortcuts and mouse gestures of the editor, in one list (? opens it, as in nengo-gui). */
import { ModalDialog } from './ModalDialog.js';

export const SHORTCUTS: readonly (readonly [string, string])[] = [
  ['Ctrl+Enter', 'Run'],
  ['Ctrl+S', 'Save'],
  ['Ctrl+Z / Ctrl+Shift+Z (Ctrl+Y)', 'Undo / redo (every edit)'],
  ['A, or double-click the canvas', 'Add a node (the Palette)'],
  ['Drag from a handle to a handle', 'Connect two nodes'],
  ['Shift- or Ctrl-click', 'Add a node to the selection, or take it out'],
  ['Shift-drag on the canvas', 'Select the nodes in a box'],
  ['Ctrl+A / Escape', 'Select every node / clear the selection'],
  ['Drag a selected node', 'Move the whole selection'],
  ['Delete', 'Delete the selection (with its projections)'],
  ['Ctrl+C / Ctrl+X / Ctrl+V', 'Copy / cut / paste nodes (the projections between them come along)'],
  ['Ctrl+D', 'Duplicate the selection'],
  ['F', 'Fit the view to the model'],
  ['Enter in an inputs cell', 'Commit, and go to the cell below'],
  ['?', 'This list'],
];

export function ShortcutsHelp({ onClose }: { onClose: () => void }) {
  return (
    <ModalDialog label="Keyboard shortcuts" className="shortcuts-dialog" onClose={onClose}>
      <table className="shortcuts">
        <tbody>
          {SHORTCUTS.map(([keys, what]) => (
            <tr key={keys}>
              <th scope="row">
                <kbd>{keys}</kbd>
              </th>
              <td>{what}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </ModalDialog>
  );
}
