import { Cron } from 'croner';
import { DockyardError } from '../../shared/index.js';

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const FIELDS: Array<{ name: string; min: number; max: number; names?: string[] }> = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day-of-week', min: 0, max: 6, names: DAYS },
];

const invalid = (schedule: string, why: string) =>
  new DockyardError(
    'InvalidParameter',
    `The schedule '${schedule}' is invalid: ${why}. Use five fields '{minute} {hour} {day} {month} {day-of-week}' (UTC, NCrontab), e.g. '0 21 * * Mon-Fri'.`,
  );

function valueOf(token: string, f: (typeof FIELDS)[number], schedule: string): number {
  if (/^\d+$/.test(token)) {
    const n = Number(token);
    if (n < f.min || n > f.max) throw invalid(schedule, `${f.name} value ${n} is outside ${f.min}-${f.max}`);
    return n;
  }
  const i = f.names?.indexOf(token.toUpperCase()) ?? -1;
  if (i < 0) throw invalid(schedule, `'${token}' is not a valid ${f.name}`);
  return i + f.min;
}

/** Checks one NCrontab field: `*`, numbers, names, ranges `a-b`, steps `/n` and lists `,`. */
function checkField(text: string, f: (typeof FIELDS)[number], schedule: string): void {
  for (const part of text.split(',')) {
    const m = /^(\*|[0-9A-Za-z]+(?:-[0-9A-Za-z]+)?)(?:\/(\d+))?$/.exec(part);
    if (!m) throw invalid(schedule, `'${part}' is not a valid ${f.name} expression`);
    if (m[2] !== undefined && Number(m[2]) === 0) throw invalid(schedule, `a step of 0 in the ${f.name} field`);
    if (m[1] === '*') continue;
    const [a, b] = m[1].split('-');
    const lo = valueOf(a, f, schedule);
    if (b !== undefined && valueOf(b, f, schedule) < lo)
      throw invalid(schedule, `the ${f.name} range '${m[1]}' is reversed`);
  }
}

/** A parsed five-field UTC schedule (NCrontab: day-of-month and day-of-week must both match). */
export class Schedule {
  private readonly cron: Cron;
  constructor(readonly expression: string) {
    const fields = expression.trim().split(/\s+/);
    if (fields.length !== 5) throw invalid(expression, `it has ${fields.length} fields, not 5`);
    fields.forEach((text, i) => checkField(text, FIELDS[i], expression));
    try {
      this.cron = new Cron(fields.join(' '), { timezone: 'UTC', legacyMode: false, paused: true });
    } catch (err) {
      throw invalid(expression, (err as Error).message);
    }
  }

  /** The first occurrence strictly after `after`, or null when none exists. */
  next(after: Date): Date | null {
    return this.cron.nextRun(after);
  }

  /** The latest occurrence in (after, now], or null: catching up after downtime fires once, for the latest one. */
  latestDue(after: Date, now: Date): Date | null {
    const first = this.next(after);
    if (!first || first.getTime() > now.getTime()) return null;
    // Look back from `now` in growing windows; walk forward only inside the first window holding an occurrence.
    for (const windowMs of [60_000, 3_600_000, 86_400_000, 32 * 86_400_000, 367 * 86_400_000, Infinity]) {
      const start = new Date(Math.max(after.getTime(), now.getTime() - windowMs));
      let due: Date | null = null;
      for (let c = this.next(start); c && c.getTime() <= now.getTime(); c = this.next(c)) due = c;
      if (due) return due;
    }
    return first;
  }
}

/** Throws InvalidParameter when the schedule is not a valid five-field NCrontab expression. */
export function validateSchedule(expression: string): void {
  new Schedule(expression);
}

/** ACR's `scheduleOccurrence` format: `2026-01-05T21:00:00+00:00`. */
export const occurrenceText = (d: Date): string => `${d.toISOString().slice(0, 19)}+00:00`;
