/** `tuneplan` command line (placeholder until the estimator lands): prints usage. */
console.log('Usage: tuneplan estimate <plan.json> [--json]');
