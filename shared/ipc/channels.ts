/**
 * Electron IPC channel names and menu commands, with no imports: the sandboxed preload bundles
 * this file alone.
 */
export const IPC_CHANNELS = {
  /** renderer → main, invoke/handle: one HostRequest, answered by one HostResponse. */
  request: 'cogstudio:request',
  /** main → renderer: a RunEvent. */
  runEvent: 'cogstudio:run-event',
  /** main → renderer: a MenuCommand chosen in the application menu. */
  menuCommand: 'cogstudio:menu-command',
} as const;

/**
 * What the application menu asks the renderer to do (the renderer runs it as its own action); `open-recent` comes with a path.
 * `save-and-close`: the window is closing and the user chose Save — the page saves, then reports itself clean (session.state).
 */
export const MENU_COMMANDS = ['new', 'open', 'open-recent', 'save', 'save-as', 'save-and-close', 'examples', 'undo', 'redo', 'duplicate', 'delete', 'select-all', 'run', 'auto-layout'] as const;
export type MenuCommand = (typeof MENU_COMMANDS)[number];
