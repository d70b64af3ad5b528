import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  parseAppleSysctl,
  parseNvidiaSmi,
  parseRocmSmi,
  physicalCoresFromCpuinfo,
} from '../../../electron/services/probes/parsers';
import { nodeProbeDeps, probeMachine, runCommand, type ProbeDeps } from '../../../electron/services/probes/probe';
import { MachineProbeSchema } from '../../../shared/domain/machine';

const fixture = (name: string) => fs.readFileSync(path.join(__dirname, '../../fixtures/probes', name), 'utf8');
const MiB = 2 ** 20;

describe('probe parsers (real-format samples)', () => {
  it('reads a multi-GPU nvidia-smi listing', () => {
    const r = parseNvidiaSmi(fixture('nvidia-smi-8xa100.txt'));
    expect('gpus' in r && r.gpus).toHaveLength(8);
    expect('gpus' in r && r.gpus[0]).toEqual({
      vendor: 'nvidia',
      name: 'NVIDIA A100-SXM4-80GB',
      memoryTotalBytes: 81920 * MiB,
      memoryUsedBytes: 4 * MiB,
      driver: '535.129.03',
      computeCapability: '8.0',
      unifiedMemory: false,
    });
  });
  it('reads the retry without compute_cap that drivers 470 and older answer', () => {
    const r = parseNvidiaSmi(fixture('nvidia-smi-t4-old-driver.txt'));
    expect('gpus' in r && r.gpus[0]).toMatchObject({
      name: 'Tesla T4',
      memoryTotalBytes: 15109 * MiB,
      driver: '470.82.01',
      computeCapability: null,
    });
  });
  it('keeps a GPU whose memory nvidia-smi reports as [N/A] (DGX Spark / GB10), with memory unknown', () => {
    const r = parseNvidiaSmi(fixture('nvidia-smi-gb10-dgx-spark.txt'));
    expect(r).toEqual({
      gpus: [
        {
          vendor: 'nvidia',
          name: 'NVIDIA GB10',
          memoryTotalBytes: null,
          memoryUsedBytes: null,
          driver: '580.126.09',
          computeCapability: '12.1',
          unifiedMemory: false,
        },
      ],
    });
  });
  it('turns garbage into a reason, never a throw', () => {
    for (const text of [
      '',
      'NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver.',
      'a, b, c',
      '\u0000\u0001',
      'x,'.repeat(1000),
    ]) {
      const r = parseNvidiaSmi(text);
      expect('reason' in r).toBe(true);
    }
    expect(parseRocmSmi('not json')).toEqual({ reason: 'rocm-smi did not print JSON' });
    expect(parseRocmSmi('{"system": {}}')).toEqual({ reason: 'rocm-smi listed no card with VRAM' });
    expect(parseAppleSysctl('Intel(R) Core(TM) i9\n68719476736')).toMatchObject({
      reason: expect.stringMatching(/not Apple silicon/),
    });
  });
  it('reads rocm-smi JSON and Apple sysctl', () => {
    const amd = parseRocmSmi(fixture('rocm-smi-mi300x.json'));
    expect('gpus' in amd && amd.gpus.map((g) => [g.name, g.memoryTotalBytes])).toEqual([
      ['AMD Instinct MI300X OAM', 205822885888],
      ['AMD Instinct MI300X OAM', 205822885888],
    ]);
    // ROCm 6.1.1+ renamed the keys ("Card Series"); the name must not fall back to the SKU code (D65201).
    const amd611 = parseRocmSmi(fixture('rocm-smi-mi250x-rocm6.1.1.json'));
    expect('gpus' in amd611 && amd611.gpus.map((g) => [g.name, g.memoryTotalBytes, g.memoryUsedBytes])).toEqual([
      ['AMD INSTINCT MI200 (MCM) OAM LC MBA HPE C2', 68702699520, 10960896],
    ]);
    // A card whose series rocm-smi could not read prints "N/A" (getDeviceName's default), never a name.
    const noSeries = parseRocmSmi(
      JSON.stringify({
        card0: {
          'VRAM Total Memory (B)': '68702699520',
          'Card Series': 'N/A',
          'Card Model': '0x7408',
          'Card SKU': 'N/A',
        },
      }),
    );
    expect('gpus' in noSeries && noSeries.gpus[0]?.name).toBe('AMD GPU 0x7408');
    const apple = parseAppleSysctl('Apple M2 Ultra\n206158430208\n');
    expect('gpus' in apple && apple.gpus[0]).toMatchObject({
      vendor: 'apple',
      name: 'Apple M2 Ultra GPU',
      memoryTotalBytes: 206158430208,
      unifiedMemory: true,
    });
  });
  it('counts physical cores from /proc/cpuinfo', () => {
    expect(physicalCoresFromCpuinfo(fixture('cpuinfo-2core-ht.txt'))).toBe(2);
    expect(physicalCoresFromCpuinfo('processor : 0\n')).toBeNull();
  });
});

describe('probeMachine', () => {
  const fake = (outputs: Record<string, { stdout: string } | { error: string }>): ProbeDeps => ({
    ...nodeProbeDeps(),
    platform: 'linux',
    run: (file) => Promise.resolve(outputs[file] ?? { error: `${file} is not installed or not on PATH` }),
    readFile: () => fixture('cpuinfo-2core-ht.txt'),
  });
  it('reports detected GPUs and why others were not detected', async () => {
    const p = await probeMachine(fake({ 'nvidia-smi': { stdout: fixture('nvidia-smi-rtx4090.txt') } }), [os.tmpdir()]);
    expect(MachineProbeSchema.parse(p)).toEqual(p);
    expect(p.gpus.map((g) => g.name)).toEqual(['NVIDIA GeForce RTX 4090']);
    expect(p.detection).toEqual({
      nvidia: 'detected: 1 GPU',
      amd: 'not detected: rocm-smi is not installed or not on PATH',
      apple: 'not detected: not macOS',
    });
    expect(p.cpu.physicalCores).toBe(2);
    expect(p.disks[0]?.freeBytes).toBeGreaterThan(0);
  });
  it('survives a tool that times out or prints garbage', async () => {
    const p = await probeMachine(
      fake({ 'nvidia-smi': { error: 'nvidia-smi did not answer within 3 s' }, 'rocm-smi': { stdout: '<html>' } }),
      [],
    );
    expect(p.gpus).toEqual([]);
    expect(p.detection.nvidia).toBe('not detected: nvidia-smi did not answer within 3 s');
    expect(p.detection.amd).toBe('not detected: rocm-smi did not print JSON');
  });
  it('keeps a GPU with unknown memory and says so in the status', async () => {
    const p = await probeMachine(fake({ 'nvidia-smi': { stdout: fixture('nvidia-smi-gb10-dgx-spark.txt') } }), []);
    expect(MachineProbeSchema.parse(p)).toEqual(p);
    expect(p.gpus.map((g) => [g.name, g.memoryTotalBytes])).toEqual([['NVIDIA GB10', null]]);
    expect(p.detection.nvidia).toMatch(/^detected: 1 GPU; memory unknown for NVIDIA GB10/);
  });

  /** A stand-in nvidia-smi on PATH: `body` is a POSIX sh script body; "$*" holds the arguments. */
  async function withFakeNvidiaSmi<T>(body: string, fn: () => Promise<T>): Promise<T> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-fake-smi-'));
    fs.writeFileSync(path.join(dir, 'nvidia-smi'), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    const oldPath = process.env.PATH;
    process.env.PATH = `${dir}${path.delimiter}${oldPath ?? ''}`;
    try {
      return await fn();
    } finally {
      process.env.PATH = oldPath;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  const fixturePath = (name: string) => JSON.stringify(path.join(__dirname, '../../fixtures/probes', name));

  it.skipIf(process.platform === 'win32')(
    'retries without compute_cap when a 470 driver refuses the field (real execFile, exit status 2)',
    async () => {
      // Driver 470 prints the refusal on stdout and exits 2 (tests/fixtures/probes/README.md).
      const script = [
        'case "$*" in',
        `  *compute_cap*) cat ${fixturePath('nvidia-smi-470-compute-cap-refused.txt')}; exit 2 ;;`,
        `  *) cat ${fixturePath('nvidia-smi-t4-old-driver.txt')} ;;`,
        'esac',
      ].join('\n');
      const p = await withFakeNvidiaSmi(script, () =>
        probeMachine({ ...nodeProbeDeps(), platform: 'linux', readFile: () => null }, []),
      );
      expect(p.gpus.map((g) => [g.name, g.memoryTotalBytes, g.driver, g.computeCapability])).toEqual([
        ['Tesla T4', 15109 * MiB, '470.82.01', null],
      ]);
      expect(p.detection.nvidia).toMatch(/^detected: 1 GPU; .*compute capability/);
    },
  );
  it.skipIf(process.platform === 'win32')("shows the driver's own failure message (real execFile)", async () => {
    // Printed on stdout when the kernel module is not loaded (GoogleCloudPlatform/compute-gpu-installation#18).
    const msg =
      "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. " +
      'Make sure that the latest NVIDIA driver is installed and running.';
    const r = await withFakeNvidiaSmi(`echo ${JSON.stringify(msg)}; echo; exit 9`, () =>
      runCommand('nvidia-smi', ['--query-gpu=name']),
    );
    expect(r).toMatchObject({ error: `nvidia-smi failed (exit 9): ${msg}` });
  });
  it('runs a real fake nvidia-smi from PATH (execFile, no shell)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-fake-smi-'));
    const script = path.join(dir, 'nvidia-smi');
    fs.writeFileSync(
      script,
      `#!/bin/sh\ncat ${JSON.stringify(path.join(__dirname, '../../fixtures/probes/nvidia-smi-8xa100.txt'))}\n`,
      { mode: 0o755 },
    );
    const oldPath = process.env.PATH;
    process.env.PATH = `${dir}${path.delimiter}${oldPath ?? ''}`;
    try {
      const r = await runCommand('nvidia-smi', ['--query-gpu=name', '; rm -rf /']);
      expect('stdout' in r && r.stdout).toContain('A100-SXM4-80GB');
      const missing = await runCommand('definitely-not-a-tool-xyz', []);
      expect(missing).toEqual({ error: 'definitely-not-a-tool-xyz is not installed or not on PATH' });
    } finally {
      process.env.PATH = oldPath;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
