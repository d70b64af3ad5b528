import { startTestHost } from '../../helpers/web-host';
import { contractSuite } from './contract-suite';

contractSuite('HTTP (browser mode) with SQLite', () => startTestHost());
