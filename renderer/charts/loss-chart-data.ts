/**
 * One data array for the loss chart: Recharts' LineChart shares its `data` between lines, and eval steps
 * (every eval_steps) are not the training log steps (every logging_steps), so each row holds the step and the
 * training loss and/or eval loss logged at it; `connectNulls` on the lines bridges the gaps.
 */
export interface LossChartRow {
  step: number;
  loss?: number;
  evalLoss?: number;
}

export function lossChartData(
  lossCurve: ReadonlyArray<{ step: number; loss: number }>,
  evalCurve: ReadonlyArray<{ step: number; loss: number }>,
): LossChartRow[] {
  const rows = new Map<number, LossChartRow>();
  const row = (step: number) => {
    let r = rows.get(step);
    if (!r) rows.set(step, (r = { step }));
    return r;
  };
  for (const p of lossCurve) row(p.step).loss = p.loss;
  for (const p of evalCurve) row(p.step).evalLoss = p.loss;
  return [...rows.values()].sort((a, b) => a.step - b.step);
}
