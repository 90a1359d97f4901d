// Who may connect to the embedded broker: nobody checked (the default, for a laptop), one
// user, or the users of a password file (`user:password` lines; `#` comments).
import { readFileSync } from 'node:fs';
import { timingSafeEqual } from 'node:crypto';

export type Users = ReadonlyMap<string, string>;

export function readPasswordFile(path: string): Users {
  const users = new Map<string, string>();
  readFileSync(path, 'utf8').split(/\r?\n/).forEach((line, i) => {
    const text = line.trim();
    if (text === '' || text.startsWith('#')) return;
    const colon = text.indexOf(':');
    if (colon < 1) throw new RangeError(`${path} line ${i + 1}: expected user:password`);
    users.set(text.slice(0, colon), text.slice(colon + 1));
  });
  if (users.size === 0) throw new RangeError(`${path} holds no user:password line`);
  return users;
}

/** True when `username` is known and `password` is its password (constant time in the password). */
export function checkPassword(users: Users, username: string | undefined, password: Buffer | undefined): boolean {
  const expected = username === undefined ? undefined : users.get(username);
  if (expected === undefined || password === undefined) return false;
  const a = Buffer.from(expected);
  return a.length === password.length && timingSafeEqual(a, password);
}
