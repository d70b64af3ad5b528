// @vitest-environment happy-dom
import { getConfig } from '@testing-library/react';
import { expect, it } from 'vitest';

it('Testing Library waits up to 5 s in every renderer test (tests/helpers/vitest-setup.ts)', () => {
  expect(getConfig().asyncUtilTimeout).toBe(5000);
});
