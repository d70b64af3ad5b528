/**
 * The one rule every estimate, lever and exporter asks about batch order (shared/domain/export-capabilities.ts
 * groupsByLength), against the upstream code it cites.
 */
import { describe, expect, it } from 'vitest';
import { EXPORT_CAPABILITIES, groupsByLength } from '../../shared/domain/export-capabilities';

const grouped = { samplingStrategy: 'group_by_length' as const };

describe('batches grouped by length: where the trainer can draw them', () => {
  it('torchtune never: its recipes draw with StatefulDistributedSampler and have no length grouping', () => {
    // pytorch/torchtune@bd2a0fc recipes/lora_finetune_single_device.py line 540 and
    // recipes/full_finetune_distributed.py line 825: `sampler = StatefulDistributedSampler(`.
    expect(groupsByLength({ training: { ...grouped, stack: 'torchtune' }, objective: { kind: 'sft' } })).toBe(false);
    expect(EXPORT_CAPABILITIES.torchtune.lengthGroupedBatches).toBe(false);
  });

  it('SFT on transformers / TRL: rows have input_ids, which LengthGroupedSampler reads', () => {
    // transformers 5.24 trainer.py lines 1115-1125 (a ValueError without input_ids).
    expect(groupsByLength({ training: { ...grouped, stack: 'transformers' }, objective: { kind: 'sft' } })).toBe(true);
    expect(groupsByLength({ training: { samplingStrategy: 'random' }, objective: { kind: 'sft' } })).toBe(false);
  });

  it('preference and RL objectives never: chosen/rejected ids, or a trainer with its own sampler', () => {
    // TRL 1.16 DataCollatorForPreference (prompt_ids / chosen_ids / rejected_ids); LLaMA-Factory
    // data/processor/pairwise.py line 90 (`chosen_input_ids`); kto_trainer.py line 1211 and grpo_trainer.py line 1280
    // override _get_train_sampler.
    for (const kind of ['dpo', 'kto', 'grpo', 'reward', 'orpo'] as const)
      expect(groupsByLength({ training: grouped, objective: { kind } })).toBe(false);
  });
});
