/**
 * A machine probe for tests: one RTX 4090 (24564 MiB, as `nvidia-smi --query-gpu=memory.total` reports it),
 * 16 CPU threads, 64 GiB RAM. Shaped by shared/domain/machine.ts; used wherever a test needs `system:probe`.
 */
import type { MachineProbe } from '../../shared/domain/machine';

export const FAKE_PROBE: MachineProbe = {
  probeVersion: 1,
  takenAt: '2026-11-28T00:00:00.000Z',
  hostname: 'fake-host',
  os: { platform: 'linux', release: '6.1', arch: 'x64' },
  cpu: { model: 'Fake CPU', physicalCores: 8, logicalCores: 16 },
  memory: { totalBytes: 64 * 2 ** 30, freeBytes: 32 * 2 ** 30 },
  disks: [{ path: '/data', freeBytes: 500 * 2 ** 30, totalBytes: 1000 * 2 ** 30 }],
  gpus: [
    {
      vendor: 'nvidia',
      name: 'NVIDIA GeForce RTX 4090',
      memoryTotalBytes: 24564 * 2 ** 20,
      memoryUsedBytes: 0,
      driver: '550.54.14',
      computeCapability: '8.9',
      unifiedMemory: false,
    },
  ],
  detection: {
    nvidia: 'detected: 1 GPU',
    amd: 'not detected: rocm-smi is not installed or not on PATH',
    apple: 'not detected: not macOS',
  },
};
