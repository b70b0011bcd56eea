import { formatClockTime } from './clockTime';

describe('formatClockTime', () => {
  it('shows hours, minutes and seconds in the browser locale', () => {
    const d = new Date(2026, 10, 26, 14, 5, 9);
    expect(formatClockTime(d)).toBe(
      d.toLocaleTimeString(undefined, { hour12: false }),
    );
    expect(formatClockTime(d)).toMatch(/14.05.09/);
  });

  it('shows the hour after midnight as 00, not 24', () => {
    expect(formatClockTime(new Date(2026, 10, 26, 0, 1, 3))).toMatch(
      /^0?0.01.03/,
    );
  });
});
