/** Re-exported for the Node side; the value lives in shared/version.ts. */
export { APP_VERSION } from '../../shared/version';
