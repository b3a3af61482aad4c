import { TrackerOptionError } from '@monkeytracker/pipeline';

/**
 * Which origins may call the handler from a browser on another origin: `'*'` (any), a list of
 * origins (`'https://shop.example'`), or a function deciding per origin.
 */
export type CorsOption = '*' | readonly string[] | ((origin: string) => boolean);

/** The CORS decision of one handler, made once per request. */
export interface CorsPolicy {
  /** The headers to add for a request from `origin` (absent: none), and whether it is allowed. */
  decide(origin: string | undefined): { allowed: boolean; headers: Record<string, string> };
}

const PREFLIGHT_HEADERS = {
  'access-control-allow-methods': 'GET, POST, OPTIONS',
  'access-control-allow-headers': 'content-type',
  'access-control-max-age': 86400,
} as const;

/** Headers a preflight answer adds for an allowed origin. */
export function preflightHeaders(): Record<string, string | number> {
  return { ...PREFLIGHT_HEADERS };
}

/**
 * Builds the policy for a `cors` option; `undefined` means no CORS headers at all (same-origin
 * use). Throws `INVALID_OPTION` for a malformed option.
 */
export function corsPolicy(
  option: CorsOption | undefined,
  onError: (error: Error) => void,
): CorsPolicy | undefined {
  if (option === undefined) return undefined;
  if (option === '*') {
    return { decide: () => ({ allowed: true, headers: { 'access-control-allow-origin': '*' } }) };
  }
  let allowed: (origin: string) => boolean;
  if (typeof option === 'function') {
    allowed = (origin) => {
      try {
        return option(origin) === true;
      } catch (err) {
        onError(err instanceof Error ? err : new Error(String(err)));
        return false;
      }
    };
  } else if (Array.isArray(option) && option.every((o) => typeof o === 'string')) {
    const set = new Set(option.map((o) => o.toLowerCase().replace(/\/+$/, '')));
    allowed = (origin) => set.has(origin.toLowerCase());
  } else {
    throw new TrackerOptionError(
      "handler cors must be '*', an array of origins like 'https://shop.example', or a function (origin) => boolean",
    );
  }
  return {
    decide(origin): { allowed: boolean; headers: Record<string, string> } {
      if (typeof origin !== 'string' || origin === '' || !allowed(origin)) {
        return { allowed: false, headers: { vary: 'Origin' } };
      }
      return { allowed: true, headers: { vary: 'Origin', 'access-control-allow-origin': origin } };
    },
  };
}
