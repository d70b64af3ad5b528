import { describe, expect, it } from 'vitest';
import { FAKE_PROBE } from '../../renderer/api/fake-api';
import { machineHardware, machineSummary } from '../../renderer/features/machine/machine-hardware';

describe('this machine as hardware', () => {
  it('uses the catalog GPU when the detected one is known', () => {
    expect(machineHardware(FAKE_PROBE)).toMatchObject({ gpu: { source: 'catalog', id: 'rtx-4090' }, gpus: 1 });
  });
  it('counts identical GPUs and enters unknown ones as custom with placeholders said out loud', () => {
    const probe = {
      ...FAKE_PROBE,
      gpus: [0, 1].map(() => ({
        ...FAKE_PROBE.gpus[0]!,
        name: 'Mystery Accelerator 9000',
        memoryTotalBytes: 32 * 2 ** 30,
      })),
    };
    const hw = machineHardware(probe);
    expect(hw).toMatchObject({ gpu: { source: 'custom', name: 'Mystery Accelerator 9000', memoryGiB: 32 }, gpus: 2 });
    expect(hw.note).toMatch(/placeholders/);
  });
  it('falls back to CPU-only training with the machine’s cores and RAM', () => {
    const hw = machineHardware({ ...FAKE_PROBE, gpus: [] });
    expect(hw.gpu).toMatchObject({ source: 'custom', memoryGiB: 64, bf16Tflops: (8 * 64) / 1000 });
    expect(hw.note).toMatch(/No GPU detected/);
    expect(machineSummary({ ...FAKE_PROBE, gpus: [] })).toBe('no GPU detected · 16 CPU threads · 64 GiB RAM');
  });
});
