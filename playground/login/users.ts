/**
 * The user directory: who may sign in, and with which password. Kept in
 * memory here so the starter runs with nothing but Redis; in your project
 * this is a table. What carries over is the shape: passwords are stored
 * only as scrypt hashes with a salt each, and compared in constant time.
 *
 * Read with: chapters/17-login.md#users
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const derive = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  length: number,
) => Promise<Buffer>;

export interface User {
  id: string;
  name: string;
}

interface Row extends User {
  salt: Buffer;
  hash: Buffer;
}

export class Users {
  readonly #rows = new Map<string, Row>();

  /** Add a user (at start-up: the demo's accounts). */
  async add(id: string, name: string, password: string): Promise<User> {
    const salt = randomBytes(16);
    this.#rows.set(id, {
      id,
      name,
      salt,
      hash: await derive(password, salt, 32),
    });
    return { id, name };
  }

  byId(id: string): User | undefined {
    const row = this.#rows.get(id);
    return row && { id: row.id, name: row.name };
  }

  /**
   * The user if the password is right, else `undefined`. An unknown name
   * costs the same scrypt as a known one, so timing does not tell which.
   */
  async verify(name: string, password: string): Promise<User | undefined> {
    const row = [...this.#rows.values()].find((r) => r.name === name);
    const salt = row?.salt ?? randomBytes(16);
    const hash = await derive(password, salt, 32);
    if (!row || !timingSafeEqual(hash, row.hash)) return undefined;
    return { id: row.id, name: row.name };
  }

  async setPassword(id: string, password: string): Promise<void> {
    const row = this.#rows.get(id);
    if (!row) throw new Error(`no user ${id}`);
    row.salt = randomBytes(16);
    row.hash = await derive(password, row.salt, 32);
  }
}
