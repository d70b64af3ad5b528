/**
 * Probes this machine: CPU, memory, OS, free disk, and GPUs through nvidia-smi, rocm-smi or sysctl.
 * Every tool runs with execFile (an argument array, never a shell), a timeout and an output cap; a
 * missing tool, a timeout or garbage output becomes "not detected: <reason>", never a crash.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import type { GpuInfo, MachineProbe } from '../../../shared/domain/machine';
import {
  nvidiaSmiArgs,
  nvidiaSmiRefusedComputeCap,
  parseAppleSysctl,
  parseNvidiaSmi,
  parseRocmSmi,
  physicalCoresFromCpuinfo,
} from './parsers';

/**
 * error: one line for the probe status, with the tool's own message when it printed one;
 * output: what a tool that ran and failed printed (stdout then stderr), for callers that react to it.
 */
export type RunCommand = (
  file: string,
  args: string[],
) => Promise<{ stdout: string } | { error: string; output?: string }>;

/** The tool's own words: its non-empty output lines joined, capped so a status line stays short. */
function toolMessage(output: string): string {
  const text = output
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' ');
  return text.length > 300 ? `${text.slice(0, 299)}…` : text;
}

export const PROBE_TIMEOUT_MS = 3000;
export const PROBE_MAX_OUTPUT_BYTES = 1024 * 1024;

export const runCommand: RunCommand = (file, args) =>
  new Promise((resolve) => {
    execFile(
      file,
      args,
      { timeout: PROBE_TIMEOUT_MS, maxBuffer: PROBE_MAX_OUTPUT_BYTES, windowsHide: true, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (!error) return resolve({ stdout });
        // For a non-zero exit, execFile sets code to the exit status (a number); spawn errors use strings.
        const e = error as Omit<NodeJS.ErrnoException, 'code'> & {
          code?: string | number;
          killed?: boolean;
          signal?: string;
        };
        if (e.code === 'ENOENT') return resolve({ error: `${file} is not installed or not on PATH` });
        if (e.killed || e.signal === 'SIGTERM')
          return resolve({ error: `${file} did not answer within ${PROBE_TIMEOUT_MS / 1000} s` });
        if (e.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER')
          return resolve({ error: `${file} printed more than ${PROBE_MAX_OUTPUT_BYTES / 1024} KB` });
        // nvidia-smi prints why it failed on stdout ("NVIDIA-SMI has failed because it couldn't communicate
        // with the NVIDIA driver…", exit 9; "Failed to initialize NVML: Driver/library version mismatch", exit 18):
        // show those words, not Node's "Command failed: <command line>".
        const output = `${stdout}${stderr ? `\n${stderr}` : ''}`;
        const said = toolMessage(output) || String(e.message).split('\n')[0]?.slice(0, 200);
        const status = typeof e.code === 'number' ? ` (exit ${e.code})` : '';
        resolve({ error: `${file} failed${status}: ${said}`, output });
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

/** The status line: what was found, plus what the user has to know about it (memory unknown, a retry). */
function detected(
  out: Awaited<ReturnType<RunCommand>>,
  parse: (s: string) => { gpus: GpuInfo[] } | { reason: string },
  notes: string[] = [],
): { gpus: GpuInfo[]; status: string } {
  if ('error' in out) return { gpus: [], status: `not detected: ${out.error}`.slice(0, 500) };
  const parsed = parse(out.stdout);
  if ('reason' in parsed) return { gpus: [], status: `not detected: ${parsed.reason}`.slice(0, 500) };
  const n = parsed.gpus.length;
  const unknownMemory = [...new Set(parsed.gpus.filter((g) => g.memoryTotalBytes === null).map((g) => g.name))];
  const all = [
    `detected: ${n} GPU${n === 1 ? '' : 's'}`,
    ...(unknownMemory.length
      ? [
          `memory unknown for ${unknownMemory.join(', ')} ` +
            '(the tool printed no figure, as nvidia-smi does for unified-memory parts such as the GB10): ' +
            'enter the memory yourself',
        ]
      : []),
    ...notes,
  ];
  return { gpus: parsed.gpus, status: all.join('; ').slice(0, 500) };
}

async function detect(
  deps: ProbeDeps,
  file: string,
  args: string[],
  parse: (s: string) => { gpus: GpuInfo[] } | { reason: string },
): Promise<{ gpus: GpuInfo[]; status: string }> {
  return detected(await deps.run(file, args), parse);
}

/** nvidia-smi, asked again without compute_cap when the driver (470 and older) refuses that field. */
async function detectNvidia(deps: ProbeDeps): Promise<{ gpus: GpuInfo[]; status: string }> {
  const first = await deps.run('nvidia-smi', nvidiaSmiArgs(true));
  if (!('error' in first) || !nvidiaSmiRefusedComputeCap(first.output ?? first.error))
    return detected(first, parseNvidiaSmi);
  const retry = await deps.run('nvidia-smi', nvidiaSmiArgs(false));
  return detected(retry, parseNvidiaSmi, [
    'compute capability unknown: this driver refuses the compute_cap field (drivers 470 and older), ' +
      'so it was asked again without it',
  ]);
}

export async function probeMachine(deps: ProbeDeps, diskPaths: string[]): Promise<MachineProbe> {
  const [nvidia, amd, apple] = await Promise.all([
    detectNvidia(deps),
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
