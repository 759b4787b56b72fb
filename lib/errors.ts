/**
 * Errors thrown by adautomix. Every failure, in TypeScript or in the native addon, is an
 * AdautomixError with a stable `code`; the addon constructs this class itself (it is registered
 * when the addon loads), so `instanceof` works for native errors too.
 */
export type ErrorCode =
  | 'E_CONFIG' // a configuration value is invalid
  | 'E_DATA' // a dataset file is missing, truncated or inconsistent; a label is out of range
  | 'E_SHAPE' // a batch does not have the shape the model expects
  | 'E_DEVICE' // the requested device does not exist
  | 'E_OOM' // out of memory
  | 'E_NAN' // the loss became NaN/Inf (the step was not applied)
  | 'E_BUSY' // the trainer is already fitting
  | 'E_DISPOSED' // the trainer was disposed
  | 'E_IO' // a file could not be read or written
  | 'E_ABORT' // the operation was aborted through its AbortSignal
  | 'E_CHECKPOINT' // a checkpoint is corrupt or does not match this run (nothing was loaded)
  | 'E_NATIVE'; // any other native failure (the LibTorch message is in `detail`)

export class AdautomixError extends Error {
  readonly code: ErrorCode;
  /** LibTorch's own message (without C++ backtrace) when the error came from it. */
  readonly detail: string | undefined;

  constructor(message: string, code: ErrorCode = 'E_NATIVE', detail?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AdautomixError';
    this.code = code;
    this.detail = detail === '' ? undefined : detail;
  }
}

export function configError(message: string): AdautomixError {
  return new AdautomixError(message, 'E_CONFIG');
}

export function isAdautomixError(value: unknown, code?: ErrorCode): value is AdautomixError {
  return value instanceof AdautomixError && (code === undefined || value.code === code);
}
