/**
 * Transactional storage: plain Maps whose writes are recorded in an undo journal while a
 * transaction runs, so a failing call is reverted in O(writes) without cloning the state.
 * Stored values are treated as immutable: replace them, never mutate them in place.
 */
export class Journal {
  private undo: (() => void)[] = [];
  private depth = 0;

  get active(): boolean {
    return this.depth > 0;
  }

  record(fn: () => void): void {
    if (this.depth > 0) this.undo.push(fn);
  }

  /** Run `fn` atomically: on throw every recorded write is undone and the error rethrown. */
  atomic<T>(fn: () => T): T {
    const mark = this.undo.length;
    this.depth++;
    try {
      const out = fn();
      this.depth--;
      if (this.depth === 0) this.undo.length = 0;
      return out;
    } catch (err) {
      this.depth--;
      for (let i = this.undo.length - 1; i >= mark; i--) this.undo[i]?.();
      this.undo.length = mark;
      throw err;
    }
  }
}

/** A container of the state that a snapshot saves and restores (plain data, no functions). */
export interface Persistent {
  readonly kind: 'map' | 'index' | 'counter';
  dump(): unknown;
  load(data: unknown): void;
}

export class TMap<K, V> implements Persistent {
  readonly kind = 'map' as const;
  private readonly m = new Map<K, V>();
  constructor(private readonly journal: Journal) {}

  dump(): Map<K, V> {
    return this.m;
  }
  load(data: unknown): void {
    this.m.clear();
    for (const [k, v] of data as Map<K, V>) this.m.set(k, v);
  }

  get(k: K): V | undefined {
    return this.m.get(k);
  }
  has(k: K): boolean {
    return this.m.has(k);
  }
  get size(): number {
    return this.m.size;
  }
  set(k: K, v: V): void {
    if (this.journal.active) {
      const had = this.m.has(k);
      const old = this.m.get(k);
      this.journal.record(had ? () => this.m.set(k, old as V) : () => this.m.delete(k));
    }
    this.m.set(k, v);
  }
  delete(k: K): void {
    if (!this.m.has(k)) return;
    if (this.journal.active) {
      const old = this.m.get(k) as V;
      this.journal.record(() => this.m.set(k, old));
    }
    this.m.delete(k);
  }
  entries(): IterableIterator<[K, V]> {
    return this.m.entries();
  }
  values(): IterableIterator<V> {
    return this.m.values();
  }
  keys(): IterableIterator<K> {
    return this.m.keys();
  }
}

/** One-to-many index (e.g. asset → holder DIDs) with journaled add/remove. */
export class TIndex<K, M> implements Persistent {
  readonly kind = 'index' as const;
  private readonly m = new Map<K, Set<M>>();
  constructor(private readonly journal: Journal) {}

  dump(): Map<K, Set<M>> {
    return this.m;
  }
  load(data: unknown): void {
    this.m.clear();
    for (const [k, v] of data as Map<K, Set<M>>) this.m.set(k, v);
  }

  add(k: K, member: M): void {
    let s = this.m.get(k);
    if (!s) {
      s = new Set();
      this.m.set(k, s);
    }
    if (s.has(member)) return;
    s.add(member);
    this.journal.record(() => this.m.get(k)?.delete(member));
  }
  remove(k: K, member: M): void {
    const s = this.m.get(k);
    if (!s?.has(member)) return;
    s.delete(member);
    this.journal.record(() => this.m.get(k)?.add(member));
  }
  members(k: K): ReadonlySet<M> {
    return this.m.get(k) ?? EMPTY;
  }
}
const EMPTY: ReadonlySet<never> = new Set();

/** Journaled counter (next ids). */
export class TCounter<K> implements Persistent {
  readonly kind = 'counter' as const;
  private readonly map: TMap<K, number>;
  constructor(journal: Journal) {
    this.map = new TMap(journal);
  }
  dump(): Map<K, number> {
    return this.map.dump();
  }
  load(data: unknown): void {
    this.map.load(data);
  }
  /** Returns the next id (starting at `start`) and advances. */
  next(k: K, start = 1): number {
    const id = this.map.get(k) ?? start;
    this.map.set(k, id + 1);
    return id;
  }
  peek(k: K, start = 1): number {
    return this.map.get(k) ?? start;
  }
  set(k: K, v: number): void {
    this.map.set(k, v);
  }
}

export class State {
  readonly journal = new Journal();
  /**
   * Every container made through this state, in creation order: a snapshot is their contents,
   * so a module that keeps its state in `map`/`index`/`counter` needs no snapshot code.
   */
  readonly containers: Persistent[] = [];
  map<K, V>(): TMap<K, V> {
    return this.add(new TMap<K, V>(this.journal));
  }
  index<K, M>(): TIndex<K, M> {
    return this.add(new TIndex<K, M>(this.journal));
  }
  counter<K>(): TCounter<K> {
    return this.add(new TCounter<K>(this.journal));
  }
  private add<T extends Persistent>(c: T): T {
    this.containers.push(c);
    return c;
  }
}
