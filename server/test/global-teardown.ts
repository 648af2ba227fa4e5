import { rmSync } from 'node:fs';

export default function globalTeardown(): void {
  if (process.env.OPENHALL_TEST_KEY_CACHE) rmSync(process.env.OPENHALL_TEST_KEY_CACHE, { recursive: true, force: true });
}
