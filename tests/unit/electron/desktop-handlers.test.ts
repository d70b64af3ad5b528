import { describe, expect, it } from 'vitest';
import { desktopHandlers, type DesktopDeps } from '../../../electron/main/desktop-handlers';
import type { AppFailure } from '../../../shared/result';

const deps = (over: Partial<DesktopDeps> = {}): DesktopDeps & { written: Array<[string, number]> } => {
  const written: Array<[string, number]> = [];
  return {
    written,
    showSaveDialog: () => Promise.resolve({ canceled: false, filePath: '/home/u/report.pdf' }),
    showOpenDialog: () => Promise.resolve({ canceled: false, filePaths: ['/home/u/config.json'] }),
    printToPdf: () => Promise.resolve(new Uint8Array([37, 80, 68, 70])),
    writeFileAtomic: (p, d) => void written.push([p, d.length]),
    statSize: () => 100,
    readText: () => '{"model_type":"llama"}',
    basename: (p) => p.split('/').pop()!,
    ...over,
  };
};
const code = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    return (e as AppFailure).code;
  }
  return 'ok';
};

describe('desktop dialogs and PDF', () => {
  it('saves the printed PDF atomically where the user chose', async () => {
    const d = deps();
    expect(await desktopHandlers(d)['desktop:savePdf']({ suggestedName: 'plan report' })).toEqual({
      path: '/home/u/report.pdf',
    });
    expect(d.written).toEqual([['/home/u/report.pdf', 4]]);
  });
  it('a cancelled dialog saves nothing and says so', async () => {
    const d = deps({ showSaveDialog: () => Promise.resolve({ canceled: true }) });
    expect(await code(Promise.resolve(desktopHandlers(d)['desktop:savePdf']({ suggestedName: 'x.pdf' })))).toBe(
      'CANCELLED',
    );
    expect(d.written).toEqual([]);
  });
  it('opens a JSON file and refuses one over 5 MB', async () => {
    expect(await desktopHandlers(deps())['desktop:openJson']({ title: 't' })).toEqual({
      name: 'config.json',
      text: '{"model_type":"llama"}',
      folder: 'u',
    });
    expect(
      await code(
        Promise.resolve(desktopHandlers(deps({ statSize: () => 6 * 1024 * 1024 }))['desktop:openJson']({ title: 't' })),
      ),
    ).toBe('TOO_LARGE');
    expect(
      await code(
        Promise.resolve(
          desktopHandlers(deps({ showOpenDialog: () => Promise.resolve({ canceled: true, filePaths: [] }) }))[
            'desktop:openJson'
          ]({ title: 't' }),
        ),
      ),
    ).toBe('CANCELLED');
  });

  it('strips a UTF-8 BOM and names the folder the file came from (issue 11.1, 11.8)', async () => {
    const opened = await desktopHandlers(
      deps({
        showOpenDialog: () =>
          Promise.resolve({ canceled: false, filePaths: ['/home/u/models/Qwen2.5-3B-Instruct/config.json'] }),
        readText: () => '\uFEFF{"model_type":"qwen2"}',
      }),
    )['desktop:openJson']({ title: 't' });
    expect(opened).toEqual({ name: 'config.json', text: '{"model_type":"qwen2"}', folder: 'Qwen2.5-3B-Instruct' });
    expect(JSON.parse(opened.text)).toEqual({ model_type: 'qwen2' });
    const downloaded = await desktopHandlers(
      deps({
        showOpenDialog: () => Promise.resolve({ canceled: false, filePaths: ['/home/u/Downloads/config.json'] }),
      }),
    )['desktop:openJson']({ title: 't' });
    expect(downloaded.folder).toBeUndefined();
  });

  it('openPath answers the chosen path (never the bytes): a file with its size, or a folder', async () => {
    const asked: Array<{ title: string; properties: string[] }> = [];
    const d = (filePaths: string[]) =>
      deps({
        showOpenDialog: (o) => {
          asked.push({ title: o.title, properties: o.properties });
          return Promise.resolve({ canceled: filePaths.length === 0, filePaths });
        },
        statSize: () => 123_456,
        readText: () => {
          throw new Error('openPath must not read the file');
        },
      });
    expect(await desktopHandlers(d(['/home/u/data/train.jsonl']))['desktop:openPath']({ purpose: 'dataFile' })).toEqual(
      { path: '/home/u/data/train.jsonl', name: 'train.jsonl', sizeBytes: 123_456, folder: false },
    );
    expect(
      await desktopHandlers(d(['/home/u/models/Llama-3-8B']))['desktop:openPath']({ purpose: 'tokenizerFolder' }),
    ).toEqual({ path: '/home/u/models/Llama-3-8B', name: 'Llama-3-8B', sizeBytes: 0, folder: true });
    // Files or folders, never both: Windows and Linux dialogs cannot do both at once.
    expect(asked.map((a) => a.properties)).toEqual([['openFile'], ['openDirectory']]);
    expect(await code(Promise.resolve(desktopHandlers(d([]))['desktop:openPath']({ purpose: 'dataFolder' })))).toBe(
      'CANCELLED',
    );
  });
});
