/**
 * Desktop-only implementations of `desktop:savePdf`, `desktop:openJson` and `desktop:openPath`, with Electron's dialogs
 * and printToPDF injected so the logic is testable without Electron.
 */
import type { Handlers } from '../../shared/handlers';
import { folderLabelOfFile } from '../../shared/naming';
import { AppFailure } from '../../shared/result';
import { stripBom } from '../../shared/text';

export const MAX_OPEN_JSON_BYTES = 5 * 1024 * 1024;

export interface DesktopDeps {
  showSaveDialog: (options: {
    title: string;
    defaultPath: string;
    filters: Array<{ name: string; extensions: string[] }>;
  }) => Promise<{ canceled: boolean; filePath?: string }>;
  showOpenDialog: (options: {
    title: string;
    properties: Array<'openFile' | 'openDirectory'>;
    filters: Array<{ name: string; extensions: string[] }>;
  }) => Promise<{ canceled: boolean; filePaths: string[] }>;
  printToPdf: () => Promise<Uint8Array>;
  writeFileAtomic: (path: string, data: Uint8Array) => void;
  statSize: (path: string) => number;
  readText: (path: string) => string;
  basename: (path: string) => string;
}

/** What each `desktop:openPath` purpose opens; extensions as shared/data/analyze.ts detectFormat knows them. */
const OPEN_PATH = {
  dataFile: {
    title: 'Choose the data file',
    filters: [
      {
        name: 'Data (JSON Lines, JSON, CSV, Parquet, Arrow)',
        extensions: ['jsonl', 'ndjson', 'json', 'csv', 'parquet', 'arrow'],
      },
      { name: 'All files', extensions: ['*'] },
    ],
  },
  dataFolder: { title: "Choose a folder written by datasets' save_to_disk", filters: [] },
  tokenizerFile: { title: 'Choose tokenizer.json', filters: [{ name: 'tokenizer.json', extensions: ['json'] }] },
  tokenizerFolder: { title: 'Choose the model folder (with tokenizer.json)', filters: [] },
} as const;

export function desktopHandlers(
  deps: DesktopDeps,
): Pick<Handlers, 'desktop:savePdf' | 'desktop:openJson' | 'desktop:openPath'> {
  return {
    'desktop:savePdf': async ({ suggestedName }) => {
      const choice = await deps.showSaveDialog({
        title: 'Save report as PDF',
        defaultPath: suggestedName.endsWith('.pdf') ? suggestedName : `${suggestedName}.pdf`,
        filters: [{ name: 'PDF', extensions: ['pdf'] }],
      });
      if (choice.canceled || !choice.filePath)
        throw new AppFailure('CANCELLED', 'No file was chosen; nothing was saved.');
      deps.writeFileAtomic(choice.filePath, await deps.printToPdf());
      return { path: choice.filePath };
    },
    'desktop:openJson': async ({ title }) => {
      const choice = await deps.showOpenDialog({
        title,
        properties: ['openFile'],
        filters: [{ name: 'JSON', extensions: ['json'] }],
      });
      const file = choice.filePaths[0];
      if (choice.canceled || !file) throw new AppFailure('CANCELLED', 'No file was chosen.');
      if (deps.statSize(file) > MAX_OPEN_JSON_BYTES)
        throw new AppFailure('TOO_LARGE', `${deps.basename(file)} is larger than 5 MB.`);
      // Strip a BOM here so every consumer (config.json, plan, probe import) reads Notepad-saved files (issue 11.8).
      const folder = folderLabelOfFile(file);
      return { name: deps.basename(file), text: stripBom(deps.readText(file)), ...(folder ? { folder } : {}) };
    },
    'desktop:openPath': async ({ purpose }) => {
      const folder = purpose === 'dataFolder' || purpose === 'tokenizerFolder';
      const { title, filters } = OPEN_PATH[purpose];
      const choice = await deps.showOpenDialog({
        title,
        // Windows and Linux dialogs pick files or folders, not both (Electron dialog.showOpenDialog docs).
        properties: [folder ? 'openDirectory' : 'openFile'],
        filters: filters.map((f) => ({ name: f.name, extensions: [...f.extensions] })),
      });
      const chosen = choice.filePaths[0];
      if (choice.canceled || !chosen) throw new AppFailure('CANCELLED', 'Nothing was chosen.');
      // Only the path goes back; the main process reads the file when data:analyze asks (data-jobs.ts).
      return { path: chosen, name: deps.basename(chosen), sizeBytes: folder ? 0 : deps.statSize(chosen), folder };
    },
  };
}
