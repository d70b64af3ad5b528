/**
 * torchtune's model builders for the catalog's models: the torchtune exporter writes them and the torchtune importer
 * reads them back, so both use this one table. Names from pytorch/torchtune torchtune/models/<family>/__init__.py
 * (0.6.x): `<base>` builds the full model, `lora_<base>` / `qlora_<base>` the LoRA / QLoRA model (the lora_ builders
 * take use_dora and quantize_base, torchtune/models/llama3_1/_model_builders.py lora_llama3_1_8b); `modelType` is the
 * FullModelHFCheckpointer's model_type (torchtune/training/checkpointing/_utils.py ModelType). Qwen2.5 has no qlora_
 * builders: QLoRA is lora_<base> with quantize_base: True.
 */
export interface TorchtuneModel {
  catalogId: string;
  family: string;
  base: string;
  /** Whether torchtune ships `qlora_<base>`. */
  qloraBuilder: boolean;
  modelType: string;
  tokenizer: string;
}

export const TORCHTUNE_MODELS: readonly TorchtuneModel[] = [
  {
    catalogId: 'Llama-3.1-8B',
    family: 'llama3_1',
    base: 'llama3_1_8b',
    qloraBuilder: true,
    modelType: 'LLAMA3',
    tokenizer: 'torchtune.models.llama3.llama3_tokenizer',
  },
  {
    catalogId: 'Llama-3.1-70B',
    family: 'llama3_1',
    base: 'llama3_1_70b',
    qloraBuilder: true,
    modelType: 'LLAMA3',
    tokenizer: 'torchtune.models.llama3.llama3_tokenizer',
  },
  {
    catalogId: 'Llama-3.2-1B',
    family: 'llama3_2',
    base: 'llama3_2_1b',
    qloraBuilder: true,
    modelType: 'LLAMA3_2',
    tokenizer: 'torchtune.models.llama3.llama3_tokenizer',
  },
  {
    catalogId: 'Llama-3.2-3B',
    family: 'llama3_2',
    base: 'llama3_2_3b',
    qloraBuilder: true,
    modelType: 'LLAMA3_2',
    tokenizer: 'torchtune.models.llama3.llama3_tokenizer',
  },
  {
    catalogId: 'Qwen2.5-0.5B',
    family: 'qwen2_5',
    base: 'qwen2_5_0_5b',
    qloraBuilder: false,
    modelType: 'QWEN2',
    tokenizer: 'torchtune.models.qwen2_5.qwen2_5_tokenizer',
  },
  {
    catalogId: 'Qwen2.5-1.5B',
    family: 'qwen2_5',
    base: 'qwen2_5_1_5b_base',
    qloraBuilder: false,
    modelType: 'QWEN2',
    tokenizer: 'torchtune.models.qwen2_5.qwen2_5_tokenizer',
  },
  {
    catalogId: 'Qwen2.5-7B',
    family: 'qwen2_5',
    base: 'qwen2_5_7b_base',
    qloraBuilder: false,
    modelType: 'QWEN2',
    tokenizer: 'torchtune.models.qwen2_5.qwen2_5_tokenizer',
  },
  {
    catalogId: 'Qwen2.5-14B',
    family: 'qwen2_5',
    base: 'qwen2_5_14b_base',
    qloraBuilder: false,
    modelType: 'QWEN2',
    tokenizer: 'torchtune.models.qwen2_5.qwen2_5_tokenizer',
  },
  {
    catalogId: 'gemma-2-2b',
    family: 'gemma2',
    base: 'gemma2_2b',
    qloraBuilder: true,
    modelType: 'GEMMA2',
    tokenizer: 'torchtune.models.gemma.gemma_tokenizer',
  },
  {
    catalogId: 'gemma-2-9b',
    family: 'gemma2',
    base: 'gemma2_9b',
    qloraBuilder: true,
    modelType: 'GEMMA2',
    tokenizer: 'torchtune.models.gemma.gemma_tokenizer',
  },
  {
    catalogId: 'Phi-3-mini-4k-instruct',
    family: 'phi3',
    base: 'phi3_mini',
    qloraBuilder: true,
    modelType: 'PHI3_MINI',
    tokenizer: 'torchtune.models.phi3.phi3_mini_tokenizer',
  },
  {
    catalogId: 'Phi-4',
    family: 'phi4',
    base: 'phi4_14b',
    qloraBuilder: true,
    modelType: 'PHI4',
    tokenizer: 'torchtune.models.phi4.phi4_tokenizer',
  },
];

/** torchtune's attention projection names (torchtune/modules/peft/lora.py LORA_ATTN_MODULES) → transformers' names. */
export const TORCHTUNE_ATTN_TO_HF: Record<string, string> = {
  q_proj: 'q_proj',
  k_proj: 'k_proj',
  v_proj: 'v_proj',
  output_proj: 'o_proj',
};
export const TORCHTUNE_MLP_HF = ['gate_proj', 'up_proj', 'down_proj'];

export const torchtuneModelFor = (catalogId: string) => TORCHTUNE_MODELS.find((m) => m.catalogId === catalogId);

/** `torchtune.models.qwen2_5.lora_qwen2_5_3b` → its entry and the builder's prefix ('', 'lora_', 'qlora_'). */
export function parseTorchtuneBuilder(component: string): {
  model?: TorchtuneModel;
  prefix: '' | 'lora_' | 'qlora_';
  base: string;
} {
  const name = component.split('.').pop() ?? component;
  const prefix = name.startsWith('qlora_') ? 'qlora_' : name.startsWith('lora_') ? 'lora_' : '';
  const base = name.slice(prefix.length);
  // qwen2_5_7b_instruct and qwen2_5_7b_base share one architecture.
  const model = TORCHTUNE_MODELS.find((m) => m.base === base || m.base === base.replace(/_instruct$/, '_base'));
  return { model, prefix, base };
}
