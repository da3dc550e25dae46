import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Schedule, occurrenceText, validateSchedule } from '../../../src/tasks/triggers/index.js';
import { refPattern } from '../../../src/tasks/triggers/index.js';

const at = (s: string) => new Date(s);
const next = (expr: string, after: string) => new Schedule(expr).next(at(after))?.toISOString();

test('NCrontab names and ranges: weekdays, months, lists, steps (UTC)', () => {
  // 2026-01-02 is a Friday, 2026-01-03 a Saturday.
  assert.equal(next('0 21 * * Mon-Fri', '2026-01-02T21:00:00Z'), '2026-01-05T21:00:00.000Z');
  assert.equal(next('0 21 * * mon-fri', '2026-01-02T20:59:59Z'), '2026-01-02T21:00:00.000Z');
  assert.equal(next('5 4 * * SUN', '2026-01-01T00:00:00Z'), '2026-01-04T04:05:00.000Z');
  assert.equal(next('0 0 1 Jan,Jul *', '2026-01-01T00:00:00Z'), '2026-07-01T00:00:00.000Z');
  assert.equal(next('*/15 * * * *', '2026-01-01T00:00:00Z'), '2026-01-01T00:15:00.000Z');
  assert.equal(next('10-20/5 3 * * *', '2026-01-01T03:12:00Z'), '2026-01-01T03:15:00.000Z');
  assert.equal(next('0 21 * * *', '2026-01-01T21:00:00Z'), '2026-01-02T21:00:00.000Z');
});

test('day-of-month and day-of-week must both match (NCrontab), unlike Vixie cron', () => {
  // The first Monday of February 2026 that is also within days 1-7 is Feb 2.
  assert.equal(next('0 9 1-7 * Mon', '2026-01-06T00:00:00Z'), '2026-02-02T09:00:00.000Z');
});

test('invalid schedules are refused with InvalidParameter', () => {
  for (const bad of [
    '0 21 * *',
    '0 0 21 * * *',
    '60 * * * *',
    '* 24 * * *',
    '* * 0 * *',
    '* * * 13 *',
    '* * * * 7',
    '* * * Foo *',
    '0 0 L * *',
    '0 0 * * 1#2',
    '*/0 * * * *',
    '5-1 * * * *',
    '0 0 ? * *',
  ]) {
    assert.throws(
      () => validateSchedule(bad),
      (err: Error & { code?: string }) => err.code === 'InvalidParameter' && err.message.includes(bad),
      bad,
    );
  }
});

test('latestDue fires once for the latest missed occurrence, and nothing before the next one', () => {
  const s = new Schedule('* * * * *');
  assert.equal(s.latestDue(at('2026-01-01T12:00:30Z'), at('2026-01-01T12:00:59.999Z')), null);
  assert.equal(
    s.latestDue(at('2026-01-01T12:00:30Z'), at('2026-01-01T12:01:00Z'))?.toISOString(),
    '2026-01-01T12:01:00.000Z',
  );
  // A week of downtime: one occurrence, the latest.
  assert.equal(
    s.latestDue(at('2026-01-01T12:01:00Z'), at('2026-01-08T09:30:10Z'))?.toISOString(),
    '2026-01-08T09:30:00.000Z',
  );
  const daily = new Schedule('0 21 * * *');
  assert.equal(
    daily.latestDue(at('2026-01-01T21:00:00Z'), at('2026-01-05T08:00:00Z'))?.toISOString(),
    '2026-01-04T21:00:00.000Z',
  );
  assert.equal(occurrenceText(at('2026-01-04T21:00:00Z')), '2026-01-04T21:00:00+00:00');
});

test('pull-request ref patterns capture the id', () => {
  const re = refPattern('refs/pull/*/head');
  assert.equal(re.exec('refs/pull/42/head')?.[1], '42');
  assert.equal(re.test('refs/pull/42/merge'), false);
  assert.equal(re.test('refs/heads/main'), false);
});
