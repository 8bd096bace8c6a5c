/**
 * Unsaved changes are never lost silently when the window closes: the page reports whether its
 * model has unsaved changes (session.state); while it has, closing the window is held and the
 * user asked Save / Don't Save / Cancel. Save asks the page to save (`save-and-close`), and the
 * window closes once the page reports itself clean; a failed or cancelled save keeps it open.
 */
import type { MenuCommand } from '../../shared/ipc/channels.js';

/** The parts of a BrowserWindow the guard uses (a stand-in in tests). */
export interface GuardedWindow {
  on(event: 'close', listener: (event: { preventDefault(): void }) => void): unknown;
  close(): void;
  setTitle(title: string): void;
  setDocumentEdited?(edited: boolean): void;
}

export interface CloseGuardDeps<W extends GuardedWindow> {
  /** Electron's dialog.showMessageBox for the window. */
  ask(win: W, options: { type: 'warning'; buttons: string[]; defaultId: number; cancelId: number; message: string; detail: string }): Promise<{ response: number }>;
  /** Sends a menu command to the page. */
  send(win: W, command: MenuCommand): void;
  /** The user chose Don't Save: their unsaved work is discarded on purpose (the recovery file goes too). */
  discarded?(): void;
}

export const CLOSE_BUTTONS = ['Save', 'Don’t Save', 'Cancel'] as const;

export class CloseGuard<W extends GuardedWindow> {
  private dirty = false;
  private title = 'untitled';
  private closing = false;
  private savingToClose = false;

  constructor(private readonly deps: CloseGuardDeps<W>) {}

  attach(win: W): void {
    win.on('close', (event) => {
      if (!this.dirty || this.closing) return;
      event.preventDefault();
      void this.askToSave(win);
    });
  }

  /** The page's report: its model's title and whether it has unsaved changes. */
  setState(win: W, state: { dirty: boolean; title: string }): void {
    this.dirty = state.dirty;
    this.title = state.title || 'untitled';
    win.setTitle(`${state.dirty ? '• ' : ''}${this.title} — CogStudio`);
    win.setDocumentEdited?.(state.dirty);
    if (!this.savingToClose) return;
    this.savingToClose = false;
    if (!state.dirty) this.closeNow(win);
  }

  private async askToSave(win: W): Promise<void> {
    const { response } = await this.deps.ask(win, {
      type: 'warning',
      buttons: [...CLOSE_BUTTONS],
      defaultId: 0,
      cancelId: 2,
      message: `Save the changes to ${this.title} before closing?`,
      detail: 'Your changes are lost if you don’t save them.',
    });
    if (response === 0) {
      this.savingToClose = true;
      this.deps.send(win, 'save-and-close');
    } else if (response === 1) {
      this.deps.discarded?.();
      this.closeNow(win);
    }
  }

  private closeNow(win: W): void {
    this.closing = true;
    win.close();
  }
}
