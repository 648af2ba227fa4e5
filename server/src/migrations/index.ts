import { Migration20261125000000_foundation } from './Migration20261125000000_foundation';
import { Migration20261125120000_payments } from './Migration20261125120000_payments';

/**
 * Every migration, in order. Listed explicitly (not discovered from the file system) so the same
 * list runs under tsx, jest and a bundled build, on SQLite and on MySQL.
 */
export const migrations = [
  { name: 'Migration20261125000000_foundation', class: Migration20261125000000_foundation },
  { name: 'Migration20261125120000_payments', class: Migration20261125120000_payments },
];
