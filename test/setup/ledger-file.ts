/**
 * Every gateway a test starts (`switchyard serve` in a child process inherits this environment)
 * keeps its keys and ledger in a fresh temporary SQLite file, never in ./switchyard.db of the
 * checkout: tests would otherwise share one ledger (budgets resume from it) and grow a file in
 * the working tree. A test that wants the ./switchyard.db default sets SWITCHYARD_DB to '' and
 * a cwd of its own.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'sy-test-db-'));
process.env.SWITCHYARD_DB = join(dir, 'switchyard.db');
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
