/**
 * A store that writes down every call koa-session makes to it: the tests'
 * window onto what the middleware asks of a store, and when.
 *
 * Read with: chapters/03-architecture.md
 */
import type { MaxAge, SessionData, SessionStore } from '../../src/index.js';

/**
 * One call a store received, with the arguments a test looks at (never
 * `ctx`): `get` carries `maxAge` and `rolling`, `set` the record, `maxAge`
 * and `changed`, `destroy` only the key.
 */
export interface StoreCall {
  op: 'get' | 'set' | 'destroy';
  key: string;
  data?: SessionData;
  maxAge?: MaxAge | undefined;
  rolling?: boolean | undefined;
  changed?: boolean | undefined;
}

function copy(data: SessionData): SessionData {
  return JSON.parse(JSON.stringify(data)) as SessionData;
}

export interface RecordingStoreOptions {
  /**
   * Also note `rolling` from `set`'s options. The book prints it; the
   * upstream mirror's expectations name only what upstream's tests check.
   */
  setRolling?: boolean;
}

/**
 * The three-method contract over a `Map`. Records are copied through JSON
 * on the way in and out, as Redis or SQL would: a test can never pass
 * because the store handed back the very object it was given.
 */
export class RecordingStore implements SessionStore {
  readonly records = new Map<string, SessionData>();
  readonly calls: StoreCall[] = [];
  readonly #setRolling: boolean;

  constructor({ setRolling = true }: RecordingStoreOptions = {}) {
    this.#setRolling = setRolling;
  }

  async get(key: string, maxAge: MaxAge | undefined, options: { rolling?: boolean }) {
    this.calls.push({ op: 'get', key, maxAge, rolling: options?.rolling });
    const found = this.records.get(key);
    return found && copy(found);
  }

  async set(
    key: string,
    data: SessionData,
    maxAge: MaxAge | undefined,
    options: { changed: boolean; rolling?: boolean },
  ) {
    const call: StoreCall = { op: 'set', key, data: copy(data), maxAge, changed: options?.changed };
    if (this.#setRolling) call.rolling = options?.rolling;
    this.calls.push(call);
    this.records.set(key, copy(data));
  }

  async destroy(key: string) {
    this.calls.push({ op: 'destroy', key });
    this.records.delete(key);
  }

  /** Names of the operations received, in order. */
  ops(): string[] {
    return this.calls.map((c) => c.op);
  }
}
