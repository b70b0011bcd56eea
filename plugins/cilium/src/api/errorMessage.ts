/** The HTTP status of a failed backend call, when it was one. */
export function statusOf(error: unknown): number | undefined {
  const e = error as { name?: string; statusCode?: unknown } | undefined;
  return e?.name === 'ResponseError' && typeof e.statusCode === 'number'
    ? e.statusCode
    : undefined;
}

/** The most useful message of an error: the backend's own words when it sent some. */
export function errorMessage(error: unknown): string {
  if (statusOf(error) !== undefined) {
    const body = (error as { body?: { error?: { message?: string } } }).body;
    return body?.error?.message ?? (error as Error).message;
  }
  return error instanceof Error ? error.message : String(error);
}
