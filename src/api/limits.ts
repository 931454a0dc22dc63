/*
 * Bounds of the gRPC API (documented field by field in proto/tally/v1/). The server enforces them;
 * the client only sizes its channel by MAX_MESSAGE_BYTES.
 */

/** Most entries one GetEntries call returns. */
export const MAX_ENTRIES_PER_CALL = 1_000;

/** Most keys in one LookupMany request (each answer may carry a 64 KiB value: 16 MiB at most). */
export const MAX_LOOKUP_KEYS_PER_CALL = 256;

/* Key and value bounds: src/entry/entry.ts. */

/**
 * Largest request the public API takes. Its largest request, LookupMany, is 256 keys of at most
 * 255 bytes (about 66 KiB). grpc-js holds each request whole (and copies it) before decoding it,
 * so a bound at api.max_message_bytes (4 MiB) let each open stream make the daemon hold megabytes
 * of a caller's bytes; a request over this bound is refused from its 5-byte length prefix, before
 * its body is buffered.
 */
export const MAX_PUBLIC_REQUEST_BYTES = 256 * 1024;

/** Most entries in one Submit request. */
export const MAX_SUBMIT_ENTRIES = 10_000;

/**
 * Largest gRPC message either side sends or accepts (grpc-js defaults to 4 MiB, which a large
 * Submit batch exceeds). Too small for 10,000 maximal values, so big batches are also bounded by
 * bytes: grpc-js rejects an oversized message with RESOURCE_EXHAUSTED.
 */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/** grpc-js channel/server options applying MAX_MESSAGE_BYTES; servers pass them to `new Server()`. */
export const GRPC_MESSAGE_SIZE_OPTIONS = {
  'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
} as const;

/**
 * grpc-js options both sides set for speed. Channelz bookkeeping (per-call counters and traces for
 * a debugging service tally does not expose) cost measurable CPU on every call.
 */
export const GRPC_LEAN_OPTIONS = { 'grpc.enable_channelz': 0 } as const;

/**
 * Client channels also switch off transparent retries: every call then skips the retry layer's
 * message buffering, and bound the reconnect backoff (below). tally's callers handle failures themselves (the follower backs off, the CLI
 * reports), and no tally RPC is worth repeating blindly.
 */
export const GRPC_CLIENT_OPTIONS = {
  ...GRPC_MESSAGE_SIZE_OPTIONS,
  ...GRPC_LEAN_OPTIONS,
  'grpc.enable_retries': 0,
  // A channel whose peer went away waits before reconnecting, doubling up to 120 s by default, and
  // fails calls meanwhile without trying: a restarted log would look down long after it is back.
  // The follower schedules its own retries with backoff, so the channel's wait stays short.
  'grpc.max_reconnect_backoff_ms': 5_000,
} as const;
