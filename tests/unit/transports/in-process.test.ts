import { createTestApi } from '../../helpers/test-api';
import { contractSuite } from './contract-suite';

let tick = 0;
contractSuite('in-process dispatch with SQLite (the component tests’ API)', () =>
  Promise.resolve({ api: createTestApi({ now: () => new Date(Date.UTC(2026, 0, 1, 0, 0, tick++)) }), close: () => {} }),
);
