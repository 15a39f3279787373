/**
 * Source schedules (DESIGN §2): cron expressions of 5 fields (minute precision) or 6 (seconds first), read with
 * croner, the one cron parser of the hub, so that what `moisson check` accepts is exactly what the scheduler
 * runs. Pure: the clock is always a parameter.
 */
import { Cron } from 'croner';

/**
 * Every hub sharing a database must compute the same slots, whatever the TZ of its machine (containers are
 * often in UTC): schedules are read in one fixed zone. The hub federates French catalogues, whose admins
 * write "0 3 * * *" meaning 3 a.m. in France.
 */
export const SCHEDULE_TIMEZONE = 'Europe/Paris';

function cron(expression: string, timezone = SCHEDULE_TIMEZONE): Cron {
  return new Cron(expression.trim(), { paused: true, timezone, mode: '5-or-6-parts' });
}

/** Why a schedule is not a valid cron expression; null when it is. */
export function scheduleProblem(expression: string): string | null {
  try {
    cron(expression);
    return null;
  } catch (err) {
    return `not a valid cron expression: ${(err as Error).message.replace(/^CronPattern: /, '')}`;
  }
}

/**
 * The latest slot of the schedule in (after, now], or null when none fell in that window. Slots missed
 * before it are not returned: a harvest is idempotent, running it again for each missed slot is pointless.
 */
export function dueSlot(expression: string, after: Date, now: Date, timezone?: string): Date | null {
  // previousRuns is strict (< reference): one millisecond more makes `now` itself a candidate.
  const [slot] = cron(expression, timezone).previousRuns(1, new Date(now.getTime() + 1));
  return slot && slot.getTime() > after.getTime() ? slot : null;
}
