import { createFakeApi } from '../../../renderer/api/fake-api';
import { contractSuite } from './contract-suite';

let tick = 0;
contractSuite('the in-memory fake', () =>
  Promise.resolve({ api: createFakeApi({ now: () => new Date(Date.UTC(2026, 0, 1, 0, 0, tick++)) }), close: () => {} }),
);
