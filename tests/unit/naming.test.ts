import { describe, expect, it } from 'vitest';
import {
  fileNameLabel,
  folderLabel,
  folderLabelOfFile,
  modelNameFromConfig,
  sameName,
  sizeLabel,
  uniqueName,
} from '../../shared/naming';

describe('uniqueName: keep both, the newcomer is numbered', () => {
  it('keeps a free name as it is (trimmed)', () => {
    expect(uniqueName('Qwen2.5-3B', [])).toBe('Qwen2.5-3B');
    expect(uniqueName('  Qwen2.5-3B ', ['Llama'])).toBe('Qwen2.5-3B');
  });
  it('numbers a clash " (2)", then " (3)", filling the first gap', () => {
    expect(uniqueName('X', ['X'])).toBe('X (2)');
    expect(uniqueName('X', ['X', 'X (2)'])).toBe('X (3)');
    expect(uniqueName('X', ['X', 'X (3)'])).toBe('X (2)');
  });
  it('a clash is case- and space-insensitive, as the lists sort', () => {
    expect(sameName('my-qwen', ' My-Qwen')).toBe(true);
    expect(uniqueName('my-qwen', ['My-Qwen'])).toBe('my-qwen (2)');
  });
  it('does not stack numbers: importing "X (2)" beside "X (2)" gives "X (3)"', () => {
    expect(uniqueName('X (2)', ['X', 'X (2)'])).toBe('X (3)');
    expect(uniqueName('X (2)', ['X (2)'])).toBe('X (3)');
  });
  it('stays within the length limit', () => {
    const long = 'a'.repeat(200);
    const named = uniqueName(long, [long], 200);
    expect(named).toHaveLength(200);
    expect(named.endsWith(' (2)')).toBe(true);
  });
});

describe('naming a model from its config.json', () => {
  it('prefers _name_or_path (a Hub id), as transformers 4.43 wrote it', () => {
    expect(
      modelNameFromConfig(
        { _name_or_path: 'Qwen/Qwen2.5-7B-Instruct', architectures: ['Qwen2ForCausalLM'] },
        { fileName: 'config.json', folder: 'downloads-2', totalParams: 7.6e9 },
      ),
    ).toBe('Qwen/Qwen2.5-7B-Instruct');
  });
  it('a local _name_or_path gives its folder; a temp dir gives nothing', () => {
    expect(modelNameFromConfig({ _name_or_path: '/data/ckpt/llama-7b-sft' })).toBe('llama-7b-sft');
    expect(modelNameFromConfig({ _name_or_path: 'C:\\models\\phi-3-ft\\' })).toBe('phi-3-ft');
    expect(
      modelNameFromConfig(
        { _name_or_path: '/tmp/tmpk2x9_a1b', architectures: ['LlamaForCausalLM'] },
        {
          totalParams: 6.74e9,
        },
      ),
    ).toBe('LlamaForCausalLM 6.7B');
  });
  it('then a file name the user chose, then the folder it came from', () => {
    expect(modelNameFromConfig({}, { fileName: 'qwen2.5-3b-config.json', folder: 'x' })).toBe('qwen2.5-3b');
    expect(modelNameFromConfig({}, { fileName: 'config.json', folder: 'Qwen2.5-3B' })).toBe('Qwen2.5-3B');
    expect(modelNameFromConfig({}, { fileName: 'config (1).json', folder: 'Qwen2.5-3B' })).toBe('Qwen2.5-3B');
  });
  it('else the architecture and size: "Qwen2ForCausalLM 3.1B"; else model_type', () => {
    const config = { architectures: ['Qwen2ForCausalLM'], model_type: 'qwen2' };
    expect(modelNameFromConfig(config, { fileName: 'config.json', totalParams: 3_085_938_688 })).toBe(
      'Qwen2ForCausalLM 3.1B',
    );
    expect(modelNameFromConfig({ model_type: 'mixtral' }, { totalParams: 46_702_792_704 })).toBe('mixtral 46.7B');
    expect(modelNameFromConfig({})).toBe('Custom model');
  });
  it('file names: only what is more than "config"', () => {
    expect(fileNameLabel('config.json')).toBeUndefined();
    expect(fileNameLabel('config (2).json')).toBeUndefined();
    expect(fileNameLabel('config-2.json')).toBeUndefined();
    expect(fileNameLabel('Config.JSON')).toBeUndefined();
    expect(fileNameLabel('mixtral-8x7b-config.json')).toBe('mixtral-8x7b');
    expect(fileNameLabel('phi3_config.json')).toBe('phi3');
    expect(fileNameLabel('llama-3-8b.json')).toBe('llama-3-8b');
  });
  it('folders: the Hugging Face cache layout gives the repo id; download and temp folders give nothing', () => {
    expect(
      folderLabelOfFile(
        '/home/u/.cache/huggingface/hub/models--Qwen--Qwen2.5-3B/' +
          'snapshots/aa8e72537993ba99e69dfaafa59ed015b17504d1/config.json',
      ),
    ).toBe('Qwen/Qwen2.5-3B');
    expect(folderLabelOfFile('C:\\Users\\u\\models\\Mistral-7B-v0.3\\config.json')).toBe('Mistral-7B-v0.3');
    expect(folderLabelOfFile('/home/u/Downloads/config.json')).toBeUndefined();
    expect(folderLabelOfFile('config.json')).toBeUndefined();
    expect(folderLabel('/')).toBeUndefined();
  });
  it('sizes read like model names', () => {
    expect([sizeLabel(494_032_768), sizeLabel(3_085_938_688), sizeLabel(46_702_792_704), sizeLabel(405e9)]).toEqual([
      '494M',
      '3.1B',
      '46.7B',
      '405B',
    ]);
  });
});
