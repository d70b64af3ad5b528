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
  it('keeps unknown fields unknown ([Not Supported])', () => {
    const r = parseNvidiaSmi(fixture('nvidia-smi-t4-old-driver.txt'));
    expect('gpus' in r && r.gpus[0]?.computeCapability).toBeNull();
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
