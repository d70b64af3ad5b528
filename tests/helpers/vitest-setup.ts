/**
 * Vitest setup for every test file. Testing Library's findBy… and waitFor give up after 1 s by default; on a loaded
 * 2-core CI machine a render that takes longer failed a run that passes everywhere else. 5 s still fails fast on a
 * real bug (the assertion never holds) and does not slow a passing test (waitFor returns as soon as it holds).
 * Only DOM environments (the renderer tests' `@vitest-environment happy-dom`) load Testing Library.
 */
export {};

if (typeof document !== 'undefined') {
  const { configure } = await import('@testing-library/dom');
  configure({ asyncUtilTimeout: 5000 });
}
