/** The renderer uses the shared formatting (also used by the CLI). */
export * from '../shared/format';
