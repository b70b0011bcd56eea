let formatter: Intl.DateTimeFormat | undefined;

/**
 * A time of day in the browser's locale, 24-hour clock (00–23), e.g.
 * 09:41:07. One formatter is made and kept: `toLocaleTimeString` makes a new
 * one each call, which costs a live table more than drawing its rows.
 */
export function formatClockTime(date: Date): string {
  formatter ??= new Intl.DateTimeFormat(undefined, {
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
    hourCycle: 'h23',
  });
  return formatter.format(date);
}
