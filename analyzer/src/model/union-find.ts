// Disjoint sets over string keys: "these two ids are the same namespace" is the central
// fact the merge proves, from links, NSpid structure and cross-view matches.

export class UnionFind {
  private readonly index = new Map<string, number>();
  private readonly parent: number[] = [];
  private readonly keys: string[] = [];

  id(key: string): number {
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.parent.length;
      this.index.set(key, i);
      this.parent.push(i);
      this.keys.push(key);
    }
    return i;
  }

  has(key: string): boolean {
    return this.index.has(key);
  }

  find(i: number): number {
    let root = i;
    while (this.parent[root] !== root) root = this.parent[root] as number;
    let cur = i;
    while (this.parent[cur] !== root) {
      const next = this.parent[cur] as number;
      this.parent[cur] = root;
      cur = next;
    }
    return root;
  }

  findKey(key: string): number {
    return this.find(this.id(key));
  }

  union(a: string, b: string): void {
    const ra = this.findKey(a);
    const rb = this.findKey(b);
    if (ra === rb) return;
    // Lower index wins, so the representative does not depend on union order.
    if (ra < rb) this.parent[rb] = ra;
    else this.parent[ra] = rb;
  }

  /** Every key, grouped by set representative. */
  groups(): Map<number, string[]> {
    const out = new Map<number, string[]>();
    for (let i = 0; i < this.keys.length; i += 1) {
      const r = this.find(i);
      let list = out.get(r);
      if (!list) {
        list = [];
        out.set(r, list);
      }
      list.push(this.keys[i] as string);
    }
    return out;
  }
}
