import { dateIn } from './dates.ts';

/** The only way the app learns the time; tests pass a fixed one. */
export type Clock = { now(): Date; today(): string };

export function systemClock(timeZone: string): Clock {
  return { now: () => new Date(), today: () => dateIn(timeZone, new Date()) };
}

export function fixedClock(today: string, time = '12:00:00Z'): Clock {
  const now = new Date(`${today}T${time}`);
  return { now: () => new Date(now), today: () => today };
}
