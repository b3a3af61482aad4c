/**
 * The one error factory of the MonkeyTracker monorepo. Every package defines its errors here,
 * so every error has the same shape: a stable `code` (unique across the monorepo, never
 * reused), the HTTP `status` an HTTP layer answers with, the package (`scope`) in the message,
 * and typed extra fields. Callers switch on `code` (or `SomeError.is(err)`), never on
 * `instanceof`, names or message text, so this works across bundles and duplicate installs.
 */

/** What a code means: the HTTP status it maps to, and one sentence for the docs. */
export interface ErrorSpec<C extends string = string> {
  /** The stable code, e.g. `'STORAGE_UNAVAILABLE'`. */
  code: C;
  /** The package that throws it, shown in messages: `[monkeytracker] [storage] …`. */
  scope: string;
  /** HTTP status an HTTP layer answers with when this error reaches it. */
  status: number;
  /**
   * When it happens and what to do, in one sentence. Also the public message of an HTTP answer
   * with a status of 500 or more, whose own message may name hosts or internals.
   */
  summary: string;
}

/** The base class of every error MonkeyTracker throws. */
export class MonkeyTrackerError extends Error {
  /** Stable code, unique across the monorepo. */
  readonly code: string;
  /** HTTP status an HTTP layer answers with. */
  readonly status: number;
  /** The package that threw it. */
  readonly scope: string;
  /** The message without the `[monkeytracker] [scope] ` prefix: what a 4xx HTTP answer shows. */
  readonly detail: string;
  /** The code's one-sentence meaning: what a 5xx HTTP answer shows instead of `detail`. */
  readonly summary: string;

  constructor(spec: ErrorSpec, message: string, options?: ErrorOptions) {
    super(`[monkeytracker] [${spec.scope}] ${message}`, options);
    this.code = spec.code;
    this.status = spec.status;
    this.scope = spec.scope;
    this.detail = message;
    this.summary = spec.summary;
  }
}

/** The extra fields an error class carries, plus the standard `cause`. */
type ErrorArgs<F> = keyof F extends never
  ? [options?: ErrorOptions]
  : object extends F
    ? [fields?: F & ErrorOptions]
    : [fields: F & ErrorOptions];

/** An instance of an error class made by {@link defineError}. */
export type ErrorOf<C extends string, F = object> = MonkeyTrackerError & { readonly code: C } & Readonly<F>;

/** An error class made by {@link defineError}: `new X(message, fields?)`, plus its spec. */
export interface ErrorClass<C extends string, F = object> {
  new (message: string, ...args: ErrorArgs<F>): ErrorOf<C, F>;
  readonly code: C;
  readonly status: number;
  readonly scope: string;
  readonly summary: string;
  /** True when `err` carries this code, whichever copy of the package created it. */
  is(err: unknown): err is ErrorOf<C, F>;
  /** The same class, typed with extra fields `G` (assigned from the constructor's second argument). */
  withFields<G extends object>(): ErrorClass<C, G>;
}

/** True when `err` is a MonkeyTracker error (any package, any copy): a string `code` and a numeric `status`. */
export function isMonkeyTrackerError(err: unknown): err is MonkeyTrackerError {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; status?: unknown };
  return typeof e.code === 'string' && typeof e.status === 'number' && err instanceof Error;
}

/**
 * Defines an error class. `name` becomes the class name (stack traces), the spec becomes
 * static data for docs and HTTP mapping.
 *
 * @example
 * ```ts
 * export const StorageConflictError = defineError('StorageConflictError', {
 *   code: 'STORAGE_CONFLICT', scope: 'storage', status: 503,
 *   summary: 'a merge kept losing the race for one key; it is retried',
 * }).withFields<{ key: string }>();
 * throw new StorageConflictError(`key ${k} is claimed by writer ${w}`, { key: k });
 * ```
 */
export function defineError<const C extends string>(name: string, spec: ErrorSpec<C>): ErrorClass<C> {
  const frozen: ErrorSpec<C> = Object.freeze({ ...spec });
  const Class = class extends MonkeyTrackerError {
    static readonly code = frozen.code;
    static readonly status = frozen.status;
    static readonly scope = frozen.scope;
    static readonly summary = frozen.summary;

    static is(err: unknown): boolean {
      return isMonkeyTrackerError(err) && err.code === frozen.code;
    }

    static withFields() {
      return Class;
    }

    constructor(message: string, fields?: ErrorOptions & Record<string, unknown>) {
      super(frozen, message, fields && 'cause' in fields ? { cause: fields.cause } : undefined);
      this.name = name;
      if (fields) {
        for (const key of Object.keys(fields)) {
          if (key !== 'cause') (this as Record<string, unknown>)[key] = fields[key];
        }
      }
    }
  };
  Object.defineProperty(Class, 'name', { value: name });
  return Class as unknown as ErrorClass<C>;
}

/** A package's error table: code → its spec, for docs and for the monorepo-wide uniqueness test. */
export type ErrorTable = Readonly<Record<string, Readonly<ErrorSpec>>>;

/** Builds a package's error table from its classes; throws if two share a code. */
export function errorTable(...classes: readonly ErrorSpec[]): ErrorTable {
  const table: Record<string, ErrorSpec> = {};
  for (const c of classes) {
    if (Object.hasOwn(table, c.code)) throw new Error(`duplicate error code ${c.code}`);
    table[c.code] = Object.freeze({ code: c.code, scope: c.scope, status: c.status, summary: c.summary });
  }
  return Object.freeze(table);
}
