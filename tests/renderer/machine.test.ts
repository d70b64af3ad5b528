import { describe, expect, it } from 'vitest';
import { FAKE_PROBE } from '../helpers/fake-probe';
import { validateDraft, newDraft } from '../../renderer/state/draft';
import { detectionNotes, machineHardware, machineSummary } from '../../renderer/features/machine/machine-hardware';

describe('this machine as hardware', () => {
  it('uses the catalog GPU when the detected one is known', () => {
    expect(machineHardware(FAKE_PROBE)).toMatchObject({ gpu: { source: 'catalog', id: 'rtx-4090' }, gpus: 1 });
  });
  // Issue 14: the plan no longer gets placeholder TFLOPS/bandwidth (100 / 1,000) for an unknown GPU, nor an assumed
  // CPU throughput: the fields stay empty so the editor asks for them (ownedFromProbe decides what is known).
  it('counts identical GPUs and leaves an unknown GPU’s TFLOPS and bandwidth empty for the user to enter', () => {
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
    expect(hw.gpu.source === 'custom' && Number.isNaN(hw.gpu.bf16Tflops) && Number.isNaN(hw.gpu.bandwidthGBs)).toBe(
      true,
    );
    expect(hw.note).toMatch(/Enter its dense bf16 TFLOPS, memory bandwidth/);
    const draft = newDraft();
    const v = validateDraft({ ...draft, hardware: { ...draft.hardware, gpu: hw.gpu } });
    expect(Object.keys(v.errors).sort()).toEqual(['hardware.gpu.bandwidthGBs', 'hardware.gpu.bf16Tflops']);
  });
  it('falls back to CPU-only training with the machine’s RAM, asking for its throughput instead of assuming it', () => {
    const hw = machineHardware({ ...FAKE_PROBE, gpus: [] });
    expect(hw.gpu).toMatchObject({ source: 'custom', name: 'CPU only: Fake CPU (8 cores)', memoryGiB: 64 });
    expect(hw.gpu.source === 'custom' && Number.isNaN(hw.gpu.bf16Tflops)).toBe(true);
    expect(hw.note).toMatch(/No GPU detected/);
    expect(hw.note).toMatch(/8 cores × ~64 GFLOPS/);
    expect(machineSummary({ ...FAKE_PROBE, gpus: [] })).toBe('no GPU detected · 16 CPU threads · 64 GiB RAM');
  });
  it('never reads unknown GPU memory as 0: the plan needs the user’s figure and the panel says so', () => {
    // What the probe makes of nvidia-smi on a DGX Spark (tests/fixtures/probes/nvidia-smi-gb10-dgx-spark.txt).
    const probe = {
      ...FAKE_PROBE,
      gpus: [
        {
          ...FAKE_PROBE.gpus[0]!,
          name: 'NVIDIA GB10',
          memoryTotalBytes: null,
          memoryUsedBytes: null,
          driver: '580.126.09',
          computeCapability: '12.1',
        },
      ],
      detection: {
        ...FAKE_PROBE.detection,
        nvidia:
          'detected: 1 GPU; memory unknown for NVIDIA GB10 (the tool printed no figure): enter the memory yourself',
      },
    };
    const hw = machineHardware(probe);
    expect(hw.gpu).toMatchObject({ source: 'custom', name: 'NVIDIA GB10' });
    expect(hw.gpu.source === 'custom' && Number.isNaN(hw.gpu.memoryGiB)).toBe(true);
    expect(hw.note).toMatch(/memory is unknown/);
    const draft = newDraft();
    const v = validateDraft({ ...draft, hardware: { ...draft.hardware, gpu: hw.gpu } });
    expect(v.plan).toBeNull();
    expect(v.errors['hardware.gpu.memoryGiB']).toBeTruthy();
    expect(machineSummary(probe)).toBe('1 × NVIDIA GB10 (memory unknown)');
    expect(detectionNotes(probe)).toEqual([
      'NVIDIA: detected: 1 GPU; memory unknown for NVIDIA GB10 (the tool printed no figure): enter the memory yourself',
    ]);
  });
  it('shows the driver’s own failure message and leaves out tools that are simply absent', () => {
    const probe = {
      ...FAKE_PROBE,
      gpus: [],
      detection: {
        nvidia:
          'not detected: nvidia-smi failed (exit 9): ' +
          "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. " +
          'Make sure that the latest NVIDIA driver is installed and running.',
        amd: 'not detected: rocm-smi is not installed or not on PATH',
        apple: 'not detected: not macOS',
      },
    };
    expect(detectionNotes(probe)).toEqual([
      'NVIDIA: not detected: nvidia-smi failed (exit 9): ' +
        "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. " +
        'Make sure that the latest NVIDIA driver is installed and running.',
    ]);
    expect(detectionNotes(FAKE_PROBE)).toEqual([]);
  });
});
