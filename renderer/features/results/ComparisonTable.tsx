import type { ReactNode } from 'react';
import { bestMarks, fitState, type FitState } from '../../../shared/estimate/advice';
import type { EstimateReport, TechniqueEstimate } from '../../../shared/estimate/estimate';
import { count, duration, gib, percent, tokensPerSecond, usd } from '../../format';
import { FIT_CLASS } from '../../components/fit-class';
import { ScrollWrap } from '../../components/scroll-wrap';
import { TECHNIQUE_COLORS } from '../../charts/colors';
import { activePhases, hasPhases, type PhaseKey } from '../../charts/chart-data';
import { durationRangeText, fitText, memoryRangeText, memoryText } from './summary';

type Device = EstimateReport['device'];

interface Row {
  label: string;
  key: string;
  /** The figure, and under it its low–high range where the estimate gives one (issue 15 §8), or its share. */
  show: (t: TechniqueEstimate) => { text: string; range?: string };
  explain?: string;
  /** Which best mark this row carries (shared/estimate/advice.ts `bestMarks`): only techniques that fit compete. */
  mark?: 'time' | 'cost';
}

/** Not by colour alone (docs UI.md): each fit state also has its own symbol. */
const FIT_SYMBOL: Record<FitState, string> = { fits: '✓', 'may-not-fit': '!', 'does-not-fit': '✗' };

const PHASE_ROW: Record<PhaseKey, { label: string; seconds: (t: TechniqueEstimate) => number }> = {
  generation: { label: 'Generation time', seconds: (t) => t.phases.generationSeconds },
  reference: { label: 'Reference forwards time', seconds: (t) => t.phases.referenceSeconds },
  update: { label: 'Update time', seconds: (t) => t.phases.updateSeconds },
};

/**
 * One phase of the wall time (issue 19: GRPO's generation and update, DPO's reference forwards), with its share of
 * the run; shown under the wall time only where the objective splits the run into more than one phase.
 */
function phaseRow(phase: PhaseKey): Row {
  const { label, seconds } = PHASE_ROW[phase];
  return {
    label,
    key: `phase-${phase}`,
    show: (t) => ({
      text: duration(seconds(t)),
      range: t.wallSeconds > 0 ? `${Math.round((100 * seconds(t)) / t.wallSeconds)} % of the run` : undefined,
    }),
    explain: 'time.phases',
  };
}

/**
 * The rows for this device. A CPU-only machine (report.device.kind 'cpu', issue 14.7) has no nvidia-smi, no
 * PyTorch caching-allocator "reserved" figure, no GPU-hours and no separate host RAM: those rows are left out,
 * memory is rounded, and the time says it is a rough CPU estimate.
 */
export function comparisonRows(device: Device, phases: PhaseKey[] = []): Row[] {
  const cpu = device.kind === 'cpu';
  const rows: Array<Row | null> = [
    {
      label: 'Fits',
      key: 'fits',
      show: (t) => ({ text: `${FIT_SYMBOL[fitState(t)]} ${fitText(t, device)}` }),
      explain: 'fit',
    },
    {
      label: 'Trainable parameters',
      key: 'trainable',
      show: (t) => ({ text: count(t.trainableParams), range: percent(t.trainablePercent) }),
      explain: 'params.trainable',
    },
    {
      label: cpu ? 'Peak memory (RAM)' : 'Peak memory per GPU (nvidia-smi)',
      key: 'memory',
      show: (t) => ({
        text: memoryText(t.memory.nvidiaSmiBytes, device),
        range: memoryRangeText(t.memory.low.nvidiaSmiBytes, t.memory.high.nvidiaSmiBytes, device),
      }),
      explain: 'memory.peak',
    },
    cpu
      ? null
      : {
          label: 'Reserved by PyTorch',
          key: 'reserved',
          show: (t) => ({
            text: memoryText(t.memory.reservedBytes, device),
            range: memoryRangeText(t.memory.low.reservedBytes, t.memory.high.reservedBytes, device),
          }),
          explain: 'memory.peak',
        },
    {
      label: 'Largest micro-batch that fits',
      key: 'maxbatch',
      show: (t) => ({
        text: t.maxMicroBatch === 0 ? 'none' : `${t.maxMicroBatch} sequence${t.maxMicroBatch === 1 ? '' : 's'}`,
      }),
    },
    {
      label: 'Throughput',
      key: 'tps',
      show: (t) => ({ text: tokensPerSecond(t.tokensPerSecond) }),
      explain: 'time.tokensPerSecond',
    },
    {
      label: device.rough ? 'Wall time (rough CPU estimate)' : 'Wall time',
      key: 'wall',
      show: (t) => ({
        text: device.rough ? `about ${duration(t.wallSeconds)}` : duration(t.wallSeconds),
        range: durationRangeText(t.wallSecondsLow, t.wallSecondsHigh),
      }),
      explain: 'time.wall',
      mark: 'time',
    },
    ...phases.map((p) => phaseRow(p)),
    cpu
      ? null
      : {
          label: 'GPU-hours',
          key: 'gpuh',
          show: (t) => ({ text: `${t.gpuHours.toFixed(1)} GPU-h` }),
          explain: 'time.gpuHours',
        },
    {
      label: 'Cost',
      key: 'cost',
      // An unknown price says where to enter it (issue 20); its explanation names where providers publish prices.
      show: (t) =>
        t.costUsd === null ? { text: usd(null), range: 'enter it under Hardware & price' } : { text: usd(t.costUsd) },
      explain: 'cost',
      mark: 'cost',
    },
    cpu
      ? null
      : {
          label: 'Host RAM for offload',
          key: 'host',
          show: (t) => ({ text: gib(t.memory.hostBytes) }),
        },
    {
      label: 'Checkpoint (weights / adapter)',
      key: 'ckpt',
      show: (t) => ({
        text: t.checkpoint.adapterBytes === null ? gib(t.checkpoint.modelBytes, 2) : gib(t.checkpoint.adapterBytes, 3),
      }),
    },
  ];
  return rows.filter((r): r is Row => r !== null);
}

export function ComparisonTable({
  report,
  onExplain,
}: {
  report: EstimateReport;
  onExplain: (techniqueIndex: number, key: string) => void;
}) {
  const marks = bestMarks(report);
  const many = report.techniques.length > 1;
  const states = report.techniques.map((t) => fitState(t));
  return (
    <ScrollWrap
      label="Technique comparison"
      more="More techniques to the right — scroll sideways →"
      back="← Scroll back for the first techniques"
    >
      <table className="comparison" aria-label="Technique comparison">
        <thead>
          <tr>
            <th scope="col">Per technique</th>
            {report.techniques.map((t, i) => (
              <th
                key={t.index}
                scope="col"
                className={states[i] === 'does-not-fit' ? 'num over' : 'num'}
                title={
                  states[i] === 'does-not-fit' ? `${t.label} does not fit: ${fitText(t, report.device)}` : undefined
                }
              >
                <span className="swatch" style={{ background: TECHNIQUE_COLORS[t.technique] }} aria-hidden="true" />
                {` ${t.label}`}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {comparisonRows(report.device, hasPhases(report) ? activePhases(report) : []).map((row) => {
            const best = row.mark ? marks[row.mark] : null;
            return (
              <tr key={row.key} data-row={row.key}>
                <th scope="row">{row.label}</th>
                {report.techniques.map((t, i) => {
                  const { text, range } = row.show(t);
                  const state = states[i]!;
                  const isBest = many && best === t.index;
                  const over = state === 'does-not-fit';
                  const cls = [
                    'num',
                    row.key === 'fits' ? FIT_CLASS[state] : '',
                    over ? 'over' : '',
                    isBest ? 'best' : '',
                  ]
                    .filter(Boolean)
                    .join(' ');
                  const figure: ReactNode = (
                    <>
                      <span className="value">{text}</span>
                      {range ? <span className="range"> ({range})</span> : null}
                    </>
                  );
                  return (
                    <td
                      key={t.index}
                      className={cls}
                      data-technique={t.technique}
                      data-fit={state}
                      title={over && row.key !== 'fits' ? `does not fit: ${fitText(t, report.device)}` : undefined}
                    >
                      {row.explain ? (
                        <button
                          type="button"
                          className="figure"
                          onClick={() => onExplain(t.index, row.explain!)}
                          title="How is this computed?"
                        >
                          {figure}
                        </button>
                      ) : (
                        figure
                      )}
                      {isBest ? (
                        <span
                          className={state === 'may-not-fit' ? 'best-mark maybe' : 'best-mark'}
                          title={state === 'may-not-fit' ? 'best, but it may not fit' : 'best among those that fit'}
                        >
                          {' '}
                          ★{state === 'may-not-fit' ? '?' : ''}
                          <span className="visually-hidden">
                            {state === 'may-not-fit' ? ' best, but may not fit' : ' best'}
                          </span>
                        </span>
                      ) : null}
                      {over && row.mark ? <span className="visually-hidden"> (does not fit)</span> : null}
                    </td>
                  );
                })}
              </tr>
            );
          })}
        </tbody>
      </table>
    </ScrollWrap>
  );
}
