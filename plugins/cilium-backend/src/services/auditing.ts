import { AuditorService } from '@backstage/backend-plugin-api';
import { JsonObject } from '@backstage/types';

/**
 * Runs `fn` inside an auditor event: the event is created first (so refusals
 * and validation errors are audited too), then marked `success` (with
 * optional result meta) or `fail` with the error, which is rethrown.
 */
export async function withAuditEvent<T>(
  auditor: AuditorService,
  options: Parameters<AuditorService['createEvent']>[0],
  fn: () => Promise<T>,
  successMeta?: (result: T) => JsonObject | undefined,
): Promise<T> {
  const event = await auditor.createEvent(options);
  try {
    const result = await fn();
    const meta = successMeta?.(result);
    await event.success(meta ? { meta } : undefined);
    return result;
  } catch (error) {
    await event.fail({ error: error as Error });
    throw error;
  }
}
