import type { FitState } from '../../shared/estimate/advice';

/** The fit classes (styles.css): green, amber, red. The comparison table and the levers' table both use them. */
export const FIT_CLASS: Record<FitState, string> = {
  fits: 'fit-ok',
  'may-not-fit': 'fit-amber',
  'does-not-fit': 'fit-bad',
};
