/**
 * `tuneplan model --hub REPO_ID` (issue 16) against the stand-in Hub that serves real config.json files
 * (tests/helpers/hub-stand-in.ts): the same report as `tuneplan model FILE`, named after the repo id.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runModelHub, type HubModelReport } from '../../electron/cli/model-hub';
import { describeModelConfig } from '../../electron/cli/model';
import type { HubDeps } from '../../electron/services/hub-config';
import { closedPortUrl, fixtureText, STAND_IN_COMMIT, startHubStandIn, type HubStandIn } from '../helpers/hub-stand-in';

const root = path.resolve(__dirname, '../..');
let hub: HubStandIn;
beforeAll(async () => {
  hub = await startHubStandIn();
});
afterAll(() => hub.close());

async function run(args: Parameters<typeof runModelHub>[0], deps: Partial<HubDeps> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runModelHub(
    args,
    (s) => out.push(s),
    (s) => err.push(s),
    { hubUrl: hub.url, timeoutMs: 2000, ...deps },
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('tuneplan model --hub', () => {
  it('reports as `tuneplan model FILE` does for the same file, named after the repo id, with its source', async () => {
    const { code, out, err } = await run({ hub: 'deepseek-ai/DeepSeek-V3', json: true });
    expect(err).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(out) as HubModelReport;
    const fromFile = describeModelConfig(fixtureText('deepseek-ai/DeepSeek-V3'), 'config.json');
    expect(report.totalParams).toBe(fromFile.totalParams);
    expect(report.activeParams).toBe(fromFile.activeParams);
    expect(report.experts).toEqual(fromFile.experts);
    expect(report).toMatchObject({
      name: 'deepseek-ai/DeepSeek-V3',
      hfId: 'deepseek-ai/DeepSeek-V3',
      modelType: 'deepseek_v3',
      source: {
        repoId: 'deepseek-ai/DeepSeek-V3',
        revision: 'main',
        commit: STAND_IN_COMMIT,
        url: `${hub.url}/deepseek-ai/DeepSeek-V3/resolve/main/config.json`,
      },
    });
  });

  it('the text form names the model and where it came from; a pasted page address works', async () => {
    const { code, out } = await run({
      hub: 'https://huggingface.co/Qwen/Qwen2.5-7B-Instruct/blob/main/config.json',
      json: false,
    });
    expect(code).toBe(0);
    expect(out).toMatch(/^Qwen\/Qwen2\.5-7B-Instruct \(qwen2\): 28 layers/);
    expect(out).toMatch(/total params .*\(7,615,616,512\)/);
    expect(out).toContain(`from ${hub.url}/Qwen/Qwen2.5-7B-Instruct/resolve/main/config.json (commit a09a35458c70)`);
  });

  it('exit 2 for an id or revision the Hub would refuse, naming the option; nothing is fetched', async () => {
    hub.requests.length = 0;
    const bad = await run({ hub: 'a/b/c', json: false });
    expect(bad).toMatchObject({ code: 2, err: expect.stringMatching(/^--hub: "a\/b\/c" has more than one "\/"/) });
    const rev = await run({ hub: 'a/b', revision: '..', json: false });
    expect(rev).toMatchObject({ code: 2, err: expect.stringMatching(/^--revision: /) });
    expect(hub.requests).toEqual([]);
  });

  it('exit 1 with the message when the fetch fails: gated, not found, offline', async () => {
    expect(await run({ hub: 'meta-llama/Llama-3.1-8B', json: true })).toMatchObject({
      code: 1,
      out: '',
      err: expect.stringMatching(/gated model: accept its licence/),
    });
    expect(await run({ hub: 'nobody/nothing', json: false })).toMatchObject({
      code: 1,
      err: expect.stringMatching(/no model nobody\/nothing/),
    });
    const offline = await run({ hub: 'Qwen/Qwen2.5-7B-Instruct', json: false }, { hubUrl: await closedPortUrl() });
    expect(offline).toMatchObject({ code: 1, err: expect.stringMatching(/you're offline/) });
  });

  it('works as a real process through the bin, with the Hub from TUNEPLAN_HF_ENDPOINT', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, TUNEPLAN_HF_ENDPOINT: hub.url };
    delete env.HF_TOKEN;
    const bin = path.join(root, 'build/bin/tuneplan.mjs');
    // Asynchronous: the stand-in answers from this process's event loop.
    const r = await promisify(execFile)(
      process.execPath,
      [bin, 'model', '--hub', 'llava-hf/llava-1.5-7b-hf', '--json'],
      {
        env,
        encoding: 'utf8',
      },
    );
    const report = JSON.parse(r.stdout) as HubModelReport;
    // The Hub model page shows 7.06B; tests/fixtures/configs/README.md: 7,063,427,072 exactly.
    expect(report).toMatchObject({ name: 'llava-hf/llava-1.5-7b-hf', totalParams: 7_063_427_072 });
    const failed = await promisify(execFile)(process.execPath, [bin, 'model', '--hub', 'TheBloke/Llama-2-7B-GGUF'], {
      env,
      encoding: 'utf8',
    }).catch((e: { code: number; stderr: string }) => e);
    expect(failed).toMatchObject({ code: 1, stderr: expect.stringMatching(/has no config\.json/) });
  }, 120_000);
});
