import type { TestProject } from 'vitest/node';
import { type PostgresDescriptor, startPostgres } from '../helpers/postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    postgres: PostgresDescriptor;
  }
}

/** One PostgreSQL server for the integration run, for the sinks that write to a real database. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const pg = await startPostgres();
  const { host, port, user, database } = pg;
  project.provide('postgres', { host, port, user, database });
  return () => pg.stop();
}
