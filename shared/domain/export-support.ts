/**
 * Whether Tuneplan's training exports support a model's shape yet (issue 16). Pure: the exporter
 * (shared/exporters/training.ts) and the UI read it, so an export never pretends to cover an encoder,
 * sequence-to-sequence or vision-language plan that its train.py would run as a causal LM.
 */
import type { ModelSpec } from './model-spec';

export interface ExportSupport {
  supported: boolean;
  /** What the export writes for this model (the transformers Auto class and trainer). */
  modelClass: 'AutoModelForCausalLM' | null;
  trainer: 'SFTTrainer' | 'Trainer' | null;
  /** Plain sentences for the export's README and the UI; empty when nothing needs saying. */
  notes: string[];
}

/** Model types whose exports Tuneplan writes: every ModelSpec model type is a decoder-only causal LM today. */
export function exportSupport(
  spec: Pick<ModelSpec, 'modelType' | 'name' | 'mtpLayers' | 'moe'> & Partial<Pick<ModelSpec, 'vision' | 'encoder'>>,
): ExportSupport {
  // Encoder-only and encoder-decoder models are counted and estimated (issue 16), but a causal-LM train.py would load
  // them with the wrong Auto class and feed them the wrong data: say so instead of exporting one.
  if (spec.encoder)
    return {
      supported: false,
      modelClass: null,
      trainer: null,
      notes: [unsupportedExportReason(spec.encoder.task === 'seq2seq' ? 'seq2seq' : 'encoder')],
    };
  // A vision-language model is counted (issue 16) but a causal-LM train.py would neither load its processor nor
  // feed it images: say so instead of exporting one.
  if (spec.vision)
    return { supported: false, modelClass: null, trainer: null, notes: [unsupportedExportReason('vision')] };
  const notes: string[] = [];
  if (spec.modelType === 'chatglm' || spec.modelType === 'phi3small')
    notes.push(
      `${spec.name} exists only as Hub modelling code: loading it needs trust_remote_code=True (review ` +
        `that code before training).`,
    );
  if ((spec.mtpLayers ?? 0) > 0)
    notes.push(
      `${spec.name}'s multi-token-prediction layer is in the checkpoint but not in transformers' class: fine-tuning ` +
        `trains and saves the main model without it.`,
    );
  return { supported: true, modelClass: 'AutoModelForCausalLM', trainer: 'SFTTrainer', notes };
}

/**
 * For a config Tuneplan refuses to read (encoder-only, encoder-decoder, vision-language), what the export
 * would need: said plainly rather than exporting a causal-LM script for it.
 */
export function unsupportedExportReason(kind: 'encoder' | 'seq2seq' | 'vision'): string {
  switch (kind) {
    case 'encoder':
      return (
        'Encoder-only models (BERT, RoBERTa, DeBERTa-v2) need AutoModelForSequenceClassification and a labelled ' +
        'data reader; Tuneplan does not export them yet.'
      );
    case 'seq2seq':
      return (
        'Encoder-decoder models (T5, mT5, BART) need AutoModelForSeq2SeqLM with Seq2SeqTrainer and ' +
        'source/target columns; Tuneplan does not export them yet.'
      );
    case 'vision':
      return (
        "Vision-language models need the model's processor for images and a data reader for image parts of " +
        'messages; Tuneplan does not export them yet.'
      );
  }
}
