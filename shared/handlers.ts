/**
 * The shapes every implementation of the contract is checked against: `Handlers` (one function a channel,
 * input already parsed by the contract's schema) and `Dispatch` (the transport-facing entry point that
 * validates, runs the handler and always answers a Result). They sit beside the contract so the real
 * handlers (electron/services/create-handlers.ts), the desktop-only ones (electron/main/desktop-handlers.ts),
 * the transports and the test API are all typed by the same two definitions.
 */
import type { Channel } from './channels';
import type { OutputOf, ParsedInputOf } from './contract';
import type { Result } from './result';

export type Handlers = { [C in Channel]: (input: ParsedInputOf<C>) => OutputOf<C> | Promise<OutputOf<C>> };
export type Dispatch = (channel: string, input: unknown) => Promise<Result<unknown>>;
