import { hashPassword, hashPasswordsApart, verifyPassword } from './password';

describe('password hashes', () => {
  test('hashed in a child process: the same scrypt form, each with its own salt, and each verifies', async () => {
    const hashes = await hashPasswordsApart(['Agent#2026', 'Admin#2026']);
    expect(hashes).toHaveLength(2);
    for (const h of hashes) expect(h).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(hashes[0].split('$')[4]).not.toBe(hashes[1].split('$')[4]);
    expect(await verifyPassword('Agent#2026', hashes[0])).toBe(true);
    expect(await verifyPassword('Admin#2026', hashes[1])).toBe(true);
    expect(await verifyPassword('Admin#2026', hashes[0])).toBe(false);
    // The same form as a hash made in this process.
    expect((await hashPassword('x')).split('$').slice(0, 4)).toEqual(hashes[0].split('$').slice(0, 4));
  });

  test('hashed in this process when no child process can be started', async () => {
    const execPath = process.execPath;
    process.execPath = '/nonexistent/node';
    try {
      const [h] = await hashPasswordsApart(['Super#2026']);
      expect(await verifyPassword('Super#2026', h)).toBe(true);
    } finally {
      process.execPath = execPath;
    }
  });

  test('nothing to hash, no process', async () => {
    expect(await hashPasswordsApart([])).toEqual([]);
  });
});
