/**
 * Explanation lines for a vision-language plan's images (issue 16; the model and its sources: vision.ts): image tokens
 * per image and where they go, the image side's activation memory, and its FLOPs.
 */
import { gib as formatGib } from '../format';
import { dataBatches } from './data-batches';
import type { Explanation, ExplainContext } from './explain';
import { visionMemory } from './vision';

const n = (x: number) => Math.round(x).toLocaleString('en-US');
const gib = (bytes: number) => formatGib(bytes, 2, { grouping: false });

export function explainVision(c: ExplainContext): Explanation[] {
  const { arch, plan, prepared, time } = c;
  const load = prepared.profile.images ?? null;
  const v = arch.spec.vision;
  if (!v || !load) return [];
  const t = load.tokens;
  const images = load.imagesPerSequence;
  const seqLen = plan.training.seqLen;
  const lines: Explanation[] = [
    {
      key: 'vision.imageTokens',
      label: 'Image tokens per image',
      value: t.lmTokens,
      unit: 'tokens',
      formula: t.formula,
      substituted: t.substituted,
      sources: ['hfVisionProcessors'],
      note:
        (v.modelType === 'mllama'
          ? `The text holds one <|image|> token per image; ${n(t.crossTokens)} vision states per image reach the ` +
            'cross-attention layers (their k and v are counted with the image side). '
          : `${images} image(s) × ${n(t.lmTokens)} = ${n(images * t.lmTokens)} of the ${n(seqLen)} tokens of a ` +
            'sequence: the processor expands the image tokens in input_ids, so the sequence length and the tokens ' +
            'per ' +
            "example count them and the language model's memory and FLOPs at that length cover them. ") +
        `The vision tower runs over ${n(t.towerTokens)} tokens per image.` +
        // Phi-4-multimodal (VisionSpec.audioParams): weights in memory, no input planned for them.
        ((v.audioParams ?? 0) > 0
          ? ` The audio encoder's ${n(v.audioParams)} parameters are stored frozen and never run: only images are ` +
            'planned as non-text inputs.'
          : ''),
    },
  ];
  // Sequences in a micro-batch (preference pairs hold two, each with the example's images), as memoryAt counts them.
  const microBatch = prepared.profile.training.microBatch * dataBatches(plan).sequencesPerRow;
  const mem = visionMemory(arch, load, microBatch, prepared.profile.bytes.activation, plan.training);
  lines.push({
    key: 'vision.activations',
    label: 'Image side: activations',
    value: mem.savedBytes,
    unit: 'bytes',
    formula: load.towerTrains
      ? 'images × tower tokens × layers × saved bytes per token (+ projector inputs, + cross-attention k, v)'
      : 'frozen tower: nothing saved (no parameter and no input needs a gradient); trained projector inputs ' +
        '(+ mllama cross-attention k, v)',
    substituted:
      `${n(mem.images)} images per micro-batch: ${gib(mem.savedBytes)} saved for backward (in Activations); the ` +
      `tower's forward working set ${gib(mem.forwardBytes)} exists alone at the start of the forward`,
    sources: ['pytorchAutograd', 'korthikanti', 'hfVisionProcessors'],
    note: load.towerTrains
      ? 'The tower trains (full fine-tuning with the tower unfrozen): each layer saves its tensors like a ' +
        'decoder layer; gradient checkpointing keeps only layer inputs.'
      : 'The tower is frozen: transformers runs it with gradients enabled, but autograd records nothing for a ' +
        'subgraph whose inputs and weights need no gradient.',
  });
  const vf = time.vision;
  if (vf && vf.total > 0)
    lines.push({
      key: 'vision.flops',
      label: 'Image side: FLOPs per sequence',
      value: vf.total,
      unit: 'FLOPs',
      formula:
        'tower forward 2·P_tower·tokens + 4·layers·H·tokens² per attention group; projector 2·P_proj·tokens; ' +
        'backward 2× what trains, none for a frozen tower',
      substituted:
        `tower ${vf.towerForward.toExponential(3)} + projector ${vf.projectorForward.toExponential(3)}` +
        (vf.crossForward > 0 ? ` + cross-attention ${vf.crossForward.toExponential(3)}` : '') +
        ` (forward) → ${vf.total.toExponential(3)} per sequence, ${vf.perMicroBatch.toExponential(3)} per ` +
        'micro-batch, added to the step’s compute',
      sources: ['transformerMath', 'hfVisionProcessors'],
      ...(v.tower === 'qwen2_5_vl'
        ? { note: "Qwen2.5-VL's windowed attention layers are counted as full attention (an upper bound)." }
        : {}),
    });
  return lines;
}
