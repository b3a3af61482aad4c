// Calendar days as `YYYY-MM-DD` strings (ISO 8601), the tracker's unit of time: no Date objects
// in local time, so no browser time zone or locale ever shifts a day.

const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether `text` is a real calendar day `YYYY-MM-DD`. */
export function isDay(text: string): boolean {
  const m = DAY_RE.exec(text);
  if (!m) return false;
  const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!));
  return d.toISOString().slice(0, 10) === text;
}

/** `day` plus `n` days (n may be negative). */
export function addDays(day: string, n: number): string {
  const m = DAY_RE.exec(day)!;
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]! + n)).toISOString().slice(0, 10);
}

/** Days from `from` to `to`, both included (1 for one day). */
export function daysIn(from: string, to: string): number {
  const ms = (d: string) => {
    const m = DAY_RE.exec(d)!;
    return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!);
  };
  return Math.round((ms(to) - ms(from)) / 86_400_000) + 1;
}

/** The date presets: the last N days up to today, today included. */
export const PRESETS = [
  { id: 'today', label: 'Today', days: 1 },
  { id: '7d', label: '7', days: 7 },
  { id: '30d', label: '30', days: 30 },
  { id: '90d', label: '90', days: 90 },
] as const;

/** The range of a preset ending today. */
export function presetRange(days: number, today: string): { from: string; to: string } {
  return { from: addDays(today, -(days - 1)), to: today };
}

/** The preset that `from`–`to` is, relative to today, if any. */
export function presetOf(from: string, to: string, today: string): string | undefined {
  if (to !== today) return undefined;
  return PRESETS.find((p) => addDays(today, -(p.days - 1)) === from)?.id;
}

/** The period of the same length just before `from`–`to`. */
export function previousPeriod(from: string, to: string): { from: string; to: string } {
  const n = daysIn(from, to);
  return { from: addDays(from, -n), to: addDays(from, -1) };
}
