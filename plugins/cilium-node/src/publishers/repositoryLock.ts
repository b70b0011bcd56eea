import { createHash } from 'crypto';
import type { DatabaseService } from '@backstage/backend-plugin-api';

/** The name of the lock every local-git publisher of a database takes. */
export const LOCAL_GIT_LOCK = 'cilium-zero-trust:local-git';

/** Runs an operation while holding the lock. */
export type RepositoryLock = <T>(operation: () => Promise<T>) => Promise<T>;

/** The two 32-bit keys of a PostgreSQL advisory lock named `name`. */
function advisoryKeys(name: string): [number, number] {
  const digest = createHash('sha256').update(name).digest();
  return [digest.readInt32BE(0), digest.readInt32BE(4)];
}

/**
 * A lock held in the plugin's database, so that every backend replica
 * using that database takes turns. On PostgreSQL it is a transaction-level
 * advisory lock: the transaction (and its connection) is held while the
 * operation runs, and the server releases the lock when it ends, also when
 * the replica holding it dies. On other databases (SQLite, which serves one
 * process) the operation runs without a database lock.
 */
export function databaseLock(
  database: DatabaseService,
  name: string,
  options: { waitSeconds: number; holder: string },
): RepositoryLock {
  const [classId, objectId] = advisoryKeys(name);
  return async operation => {
    const knex = await database.getClient();
    if (knex.client.dialect !== 'postgresql') return operation();
    return knex.transaction(async tx => {
      // Whole seconds only: the value is written into the statement.
      const wait = Math.max(1, Math.floor(options.waitSeconds));
      await tx.raw(`SET LOCAL lock_timeout = '${wait}s'`);
      try {
        await tx.raw('SELECT pg_advisory_xact_lock(?, ?)', [classId, objectId]);
      } catch (error) {
        if ((error as { code?: string }).code === '55P03') {
          throw new Error(
            `Waited ${wait} s for the lock on ${options.holder}: another backend replica has held it all that time`,
          );
        }
        throw error;
      }
      return operation();
    });
  };
}
