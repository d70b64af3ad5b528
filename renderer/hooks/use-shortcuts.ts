/** Ctrl/Cmd + S, N, F, E on the editor screen (the shortcuts the buttons' titles name). */
import { useEffect } from 'react';

export interface Shortcuts {
  save: () => void;
  startNew: () => void;
  focusSearch: () => void;
  exportJson: () => void;
}

export function useShortcuts(shortcuts: Shortcuts): void {
  // Re-subscribed on every render on purpose: the handlers close over the current draft and plan.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey) || e.altKey) return;
      const key = e.key.toLowerCase();
      if (key === 's') {
        e.preventDefault();
        shortcuts.save();
      } else if (key === 'n') {
        e.preventDefault();
        shortcuts.startNew();
      } else if (key === 'f') {
        e.preventDefault();
        shortcuts.focusSearch();
      } else if (key === 'e') {
        e.preventDefault();
        shortcuts.exportJson();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });
}
