import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** One folder per run for the sandbox keys the test apps share (see the harness); the workers inherit its name. */
export default function globalSetup(): void {
  process.env.OPENHALL_TEST_KEY_CACHE = mkdtempSync(path.join(os.tmpdir(), 'openhall-test-keys-'));
}
