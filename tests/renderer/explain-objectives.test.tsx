// @vitest-environment happy-dom
/**
 * The Explain tab for a preference or RL plan (review of issue 19): the logits explanation names the objective's own
 * TRL trainer (not SFTTrainer's loss_type "nll"), and a sources line is not repeated figure after figure.
 */
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { ObjectiveKind } from '../../shared/domain/plan';
import { newPlanFromTemplate } from '../../shared/domain/plan-template';
import { estimatePlan } from '../../shared/estimate/estimate';
import { ExplainPanel } from '../../renderer/features/results/ExplainPanel';

afterEach(cleanup);

function renderFor(kind: ObjectiveKind) {
  const base = newPlanFromTemplate();
  const report = estimatePlan({ ...base, objective: { ...base.objective, kind } });
  render(<ExplainPanel report={report} techniqueIndex={0} focus={null} onTechnique={() => {}} />);
  return document.querySelectorAll<HTMLElement>('.explanation');
}

describe('the Explain tab for preference and RL objectives', () => {
  it.each([
    ['dpo', 'DPOTrainer'],
    ['kto', 'KTOTrainer'],
    ['grpo', 'GRPOTrainer'],
  ] as const)('%s: the logits explanation names %s, not SFTTrainer', (kind, trainer) => {
    renderFor(kind);
    const logits = document.getElementById('explain-memory.logits')!;
    const note = logits.querySelector('.hint')!.textContent;
    expect(note).toContain(trainer);
    expect(note).not.toMatch(/SFTTrainer|loss_type "nll"/);
  });

  it('SFT keeps SFTTrainer with loss_type "nll"', () => {
    renderFor('sft');
    expect(document.getElementById('explain-memory.logits')!.textContent).toContain('SFTTrainer with loss_type "nll"');
  });

  it('never shows the same sources line twice in a row', () => {
    const items = [...renderFor('grpo')];
    const lines = items.map((el) => el.querySelector('.sources')?.textContent ?? '');
    const said = (i: number) => lines.slice(0, i).findLast((l) => l !== 'Sources: as above.') ?? '';
    for (const [i, line] of lines.entries())
      if (i > 0 && line !== '') expect(line, `${items[i]!.id} repeats the line above`).not.toBe(said(i));
    // GRPO's figures that all cite GRPOTrainer: the first says it, the next says "as above".
    expect(lines.filter((l) => l.startsWith('Sources: TRL 1.16 GRPOTrainer')).length).toBeGreaterThan(0);
    expect(screen.getAllByText('Sources: as above.').length).toBeGreaterThan(0);
  });
});
