/**
 * Probes this machine: CPU, memory, OS, free disk, and GPUs through nvidia-smi, rocm-smi or sysctl.
 * Every tool runs with execFile (an argument array, never a shell), a timeout and an output cap; a
 * missing tool, a timeout or garbage output becomes "not detected: <reason>", never a crash.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import type { GpuInfo, MachineProbe } from '../../../shared/domain/machine';
import { parseAppleSysctl, parseNvidiaSmi, parseRocmSmi, physicalCoresFromCpuinfo } from './parsers';

export type RunCommand = (file: string, args: string[]) => Promise<{ stdout: string } | { error: string }>;

export const PROBE_TIMEOUT_MS = 3000;
export const PROBE_MAX_OUTPUT_BYTES = 1024 * 1024;

export const runCommand: RunCommand = (file, args) =>
  new Promise((resolve) => {
    execFile(
      file,
      args,
      { timeout: PROBE_TIMEOUT_MS, maxBuffer: PROBE_MAX_OUTPUT_BYTES, windowsHide: true, encoding: 'utf8' },
      (error, stdout) => {
        if (!error) return resolve({ stdout });
        const e = error as NodeJS.ErrnoException & { killed?: boolean; signal?: string };
        if (e.code === 'ENOENT') return resolve({ error: `${file} is not installed or not on PATH` });
        if (e.killed || e.signal === 'SIGTERM')
          return resolve({ error: `${file} did not answer within ${PROBE_TIMEOUT_MS / 1000} s` });
        if (e.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER')
          return resolve({ error: `${file} printed more than ${PROBE_MAX_OUTPUT_BYTES / 1024} KB` });
        resolve({ error: `${file} failed: ${String(e.message).split('\n')[0]?.slice(0, 200)}` });
      },
    );
  });

export interface ProbeDeps {
  run: RunCommand;
  platform: NodeJS.Platform;
  readFile: (path: string) => string | null;
  statfs: (path: string) => { freeBytes: number; totalBytes: number } | null;
  now: () => Date;
}

export const nodeProbeDeps = (): ProbeDeps => ({
  run: runCommand,
  platform: process.platform,
  readFile: (p) => {
    try {
      return fs.readFileSync(p, 'utf8');
    } catch {
      return null;
    }
  },
  statfs: (p) => {
    try {
      const s = fs.statfsSync(p);
      return { freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
    } catch {
      return null;
    }
  },
  now: () => new Date(),
});

async function detect(
  deps: ProbeDeps,
  file: string,
  args: string[],
  parse: (s: string) => { gpus: GpuInfo[] } | { reason: string },
): Promise<{ gpus: GpuInfo[]; status: string }> {
  const out = await deps.run(file, args);
  if ('error' in out) return { gpus: [], status: `not detected: ${out.error}` };
  const parsed = parse(out.stdout);
  if ('reason' in parsed) return { gpus: [], status: `not detected: ${parsed.reason}` };
  return { gpus: parsed.gpus, status: `detected: ${parsed.gpus.length} GPU${parsed.gpus.length === 1 ? '' : 's'}` };
}

export async function probeMachine(deps: ProbeDeps, diskPaths: string[]): Promise<MachineProbe> {
  const [nvidia, amd, apple] = await Promise.all([
    detect(
      deps,
      'nvidia-smi',
      ['--query-gpu=name,memory.total,memory.used,driver_version,compute_cap', '--format=csv,noheader,nounits'],
      parseNvidiaSmi,
    ),
    deps.platform === 'linux'
      ? detect(deps, 'rocm-smi', ['--showproductname', '--showmeminfo', 'vram', '--json'], parseRocmSmi)
      : Promise.resolve({ gpus: [], status: 'not detected: rocm-smi runs on Linux only' }),
    deps.platform === 'darwin'
      ? detect(deps, 'sysctl', ['-n', 'machdep.cpu.brand_string', 'hw.memsize'], parseAppleSysctl)
      : Promise.resolve({ gpus: [], status: 'not detected: not macOS' }),
  ]);
  const cpus = os.cpus();
  let physical: number | null = null;
  if (deps.platform === 'linux') physical = physicalCoresFromCpuinfo(deps.readFile('/proc/cpuinfo') ?? '');
  if (deps.platform === 'darwin') {
    const r = await deps.run('sysctl', ['-n', 'hw.physicalcpu']);
    const n = 'stdout' in r ? Number(r.stdout.trim()) : NaN;
    physical = Number.isInteger(n) && n > 0 ? n : null;
  }
  const disks = [...new Set(diskPaths)].flatMap((p) => {
    const s = deps.statfs(p);
    return s ? [{ path: p, ...s }] : [];
  });
  return {
    probeVersion: 1,
    takenAt: deps.now().toISOString(),
    hostname: os.hostname() || null,
    os: { platform: deps.platform, release: os.release(), arch: os.arch() },
    cpu: {
      model: cpus[0]?.model?.trim() || 'unknown CPU',
      physicalCores: physical,
      logicalCores: Math.max(1, cpus.length),
    },
    memory: { totalBytes: os.totalmem(), freeBytes: os.freemem() },
    disks,
    gpus: [...nvidia.gpus, ...amd.gpus, ...apple.gpus],
    detection: { nvidia: nvidia.status, amd: amd.status, apple: apple.status },
  };
}
