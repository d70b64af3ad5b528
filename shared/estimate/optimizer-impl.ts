/**
 * Which implementation each of the plan's optimizer names selects when the exported script runs it through the
 * transformers Trainer (issue 20): the `optim` string it is exported as (PLAN_TO_HF_OPTIM), the class transformers
 * builds for it, and whether that class steps with PyTorch's foreach kernels, one fused kernel, a per-parameter loop,
 * 8-bit states or paged states. Read from the installed sources (transformers 5.24.0, torch 2.13.0, bitsandbytes
 * 0.50.2):
 *
 * - transformers/trainer.py `Trainer.get_optimizer_cls_and_kwargs` looks `args.optim` up in
 *   transformers/trainer_optimizer.py `_OPTIMIZER_HANDLERS`:
 *   - `adamw_torch` and `adamw_torch_fused` → `_get_adamw_torch`: torch.optim.AdamW, plus `fused=True` only for
 *     `adamw_torch_fused`.
 *   - every name in `_BITSANDBYTES_OPTIMIZERS` → `_get_bitsandbytes_optimizer`: bitsandbytes.optim.AdamW or Lion with
 *     `optim_bits = 8 if "8bit" in optim_name else 32` and `is_paged = "paged" in optim_name`.
 *   - `adafactor` → `_get_adafactor`: transformers.optimization.Adafactor(scale_parameter=False, relative_step=False),
 *     whose `step` loops `for p in group["params"]`.
 *   - `sgd` → `_get_sgd`: torch.optim.SGD; momentum only from `optim_args` (the export passes "momentum=0.9").
 * - transformers/training_args.py `TrainingArguments.optim` defaults to "adamw_torch_fused" on torch >= 2.8.
 * - torch/optim/adam.py `adam()` and torch/optim/sgd.py `sgd()`: with neither `foreach` nor `fused` given, they call
 *   torch/optim/optimizer.py `_default_to_fused_or_foreach(params, differentiable, use_fused=False)`, which picks
 *   foreach when every parameter is on a foreach device (torch/utils/_foreach_utils.py: cuda, xpu, mtia, the
 *   privateuse1 backend) and the for-loop otherwise; fused is never the default ("bake-in time", adam.py).
 */
import type { Training } from '../domain/plan';
import { PLAN_TO_HF_OPTIM } from '../import/configs/facts';
import type { SourceId } from './sources';

export interface OptimizerImplementation {
  /** The transformers `optim` string the exports write for this plan optimizer. */
  hfOptim: string;
  /** One sentence: the class transformers builds and how it steps. */
  text: string;
  sources: SourceId[];
}

const FOREACH_DEFAULT =
  'with neither foreach nor fused set, torch picks foreach on CUDA (torch/optim/optimizer.py ' +
  '_default_to_fused_or_foreach, use_fused=False) and a per-parameter for-loop on CPU';

const TEXT: Record<Training['optimizer'], string> = {
  adamw:
    `torch.optim.AdamW without fused (transformers trainer_optimizer.py _get_adamw_torch); ${FOREACH_DEFAULT}: ` +
    'the foreach step holds state-sized temporaries.',
  adamw_torch_fused:
    'torch.optim.AdamW(fused=True) (transformers trainer_optimizer.py _get_adamw_torch adds fused=True for ' +
    'adamw_torch_fused; the Trainer’s default optim on torch ≥ 2.8, training_args.py): one in-place fused kernel.',
  adamw_8bit:
    'bitsandbytes.optim.AdamW with optim_bits=8, is_paged=False (transformers trainer_optimizer.py ' +
    '_get_bitsandbytes_optimizer): 8-bit block-quantized states on the GPU.',
  paged_adamw:
    'bitsandbytes.optim.AdamW with optim_bits=32, is_paged=True (transformers trainer_optimizer.py ' +
    '_get_bitsandbytes_optimizer): 32-bit states in paged (CUDA unified) memory that spill to host RAM under ' +
    'pressure.',
  paged_adamw_8bit:
    'bitsandbytes.optim.AdamW with optim_bits=8, is_paged=True (transformers trainer_optimizer.py ' +
    '_get_bitsandbytes_optimizer): 8-bit states in paged (CUDA unified) memory.',
  adafactor:
    'transformers.optimization.Adafactor(scale_parameter=False, relative_step=False) (trainer_optimizer.py ' +
    '_get_adafactor): a per-parameter loop, no foreach or fused kernel.',
  sgd_momentum:
    `torch.optim.SGD with momentum from optim_args="momentum=0.9" (transformers trainer_optimizer.py _get_sgd); ` +
    `${FOREACH_DEFAULT}.`,
  lion:
    'bitsandbytes.optim.Lion with optim_bits=32, is_paged=False (transformers trainer_optimizer.py ' +
    '_get_bitsandbytes_optimizer): one 32-bit momentum state.',
};

const SOURCES: Record<Training['optimizer'], SourceId[]> = {
  adamw: ['transformersOptimizers', 'torchOptimDefaults'],
  adamw_torch_fused: ['transformersOptimizers', 'torchOptimDefaults'],
  adamw_8bit: ['transformersOptimizers', 'bnb8bit'],
  paged_adamw: ['transformersOptimizers', 'bnb8bit'],
  paged_adamw_8bit: ['transformersOptimizers', 'bnb8bit'],
  adafactor: ['transformersOptimizers', 'adafactor'],
  sgd_momentum: ['transformersOptimizers', 'torchOptimDefaults'],
  lion: ['transformersOptimizers', 'lion'],
};

export function optimizerImplementation(optimizer: Training['optimizer']): OptimizerImplementation {
  const hfOptim = PLAN_TO_HF_OPTIM[optimizer];
  return { hfOptim, text: `optim="${hfOptim}" selects ${TEXT[optimizer]}`, sources: SOURCES[optimizer] };
}
