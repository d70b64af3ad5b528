import { describe, expect, it } from 'vitest';
import { estimatePlan } from '../../../shared/estimate/estimate';
import { TIME_ASSUMPTIONS } from '../../../shared/estimate/time';

const base = {
  name: 'assumptions',
  model: { source: 'catalog' as const, id: 'Phi-3-mini-4k-instruct' },
  techniques: [{ kind: 'lora' as const }],
};
const explained = (plan: Parameters<typeof estimatePlan>[0], key: string) =>
  estimatePlan(plan).techniques[0]!.explain.find((e) => e.key === key)!;

describe('the time model names its unsourced constants as assumptions', () => {
  it('every assumption has a value, a unit and what it rests on', () => {
    for (const [id, a] of Object.entries(TIME_ASSUMPTIONS)) {
      expect(a.value, id).toBeGreaterThan(0);
      expect(a.unit.length, id).toBeGreaterThan(0);
      expect(a.basis.length, id).toBeGreaterThan(10);
    }
  });

  it('a one-GPU unpacked plan lists padding, MFU fill and the optimizer bandwidth — and nothing about links', () => {
    const e = explained({ ...base, training: { packing: false } }, 'time.tokensPerSecond');
    const text = e.assumptions!.join('\n');
    expect(text).toMatch(/padding factor: 1.25/);
    expect(text).toMatch(/MFU half-fill point: 1,024/);
    expect(text).toMatch(/optimizer-step bandwidth efficiency: 0.7/);
    expect(text).not.toMatch(/NVLink|inter-node|NVMe|CPU Adam/);
    for (const line of e.assumptions!) expect(line).toMatch(/\(assumption: /);
  });

  it('packing drops padding; multi-node ZeRO-3 with NVMe offload adds link, overlap, CPU Adam and NVMe', () => {
    const packed = explained({ ...base, training: { packing: true } }, 'time.tokensPerSecond');
    expect(packed.assumptions!.join('\n')).not.toMatch(/padding factor/);
    const big = explained(
      {
        ...base,
        techniques: [{ kind: 'full' }],
        distribution: {
          strategy: 'zero3',
          gpusPerNode: 8,
          nodes: 2,
          offloadOptimizer: 'nvme',
          offloadParams: 'nvme',
        },
      },
      'time.tokensPerSecond',
    ).assumptions!.join('\n');
    for (const label of [
      'link efficiency',
      'inter-node',
      'communication overlap',
      'CPU Adam speed',
      'NVMe bandwidth',
    ]) {
      expect(big).toContain(label);
    }
  });

  it('a plan that sets MFU does not claim the MFU fill assumption for its MFU figure', () => {
    const mfu = explained({ ...base, hardware: { mfu: 0.3 } }, 'time.mfu');
    expect(mfu.assumptions).toBeUndefined();
    const defaulted = explained(base, 'time.mfu');
    expect(defaulted.assumptions![0]).toMatch(/MFU half-fill point/);
  });
});
