// Global best one-to-one matching between two lists, by score. Items with identical
// fingerprints are paired first: they score 1, the most any pair can, and after a reboot
// most namespaces have an identical twin, so this leaves little to assign. The rest: the
// Hungarian algorithm (exact maximum-weight bipartite matching), O(n²·m), for buckets up
// to HUNGARIAN_MAX items a side; above that a documented fallback, greedy by score over
// candidate pairs that share a finer key, so the cost stays near linear. Pure and
// generic: knows nothing about namespaces.

export const HUNGARIAN_MAX = 160;
/** Pairs scored per fine-key group in the greedy fallback. */
const GREEDY_GROUP_PAIRS = 4096;

export interface AssignInput<A, B> {
  left: A[];
  right: B[];
  score: (a: A, b: B) => number;
  /** Pairs scoring below this are not made. */
  minScore: number;
  /** Items with equal fingerprints are identical for `score` (it would give 1). */
  fingerprintA?: (a: A) => string;
  fingerprintB?: (b: B) => string;
  /** A coarse key for the greedy fallback: only items with equal keys are compared. */
  fineKeyA?: (a: A) => string;
  fineKeyB?: (b: B) => string;
}

export interface Assigned<A, B> {
  a: A;
  b: B;
  score: number;
}

export function assign<A, B>(input: AssignInput<A, B>): Array<Assigned<A, B>> {
  const { score, minScore } = input;
  let left = input.left;
  let right = input.right;
  if (left.length === 0 || right.length === 0) return [];
  const out: Array<Assigned<A, B>> = [];
  if (input.fingerprintA && input.fingerprintB && left.length * right.length > 1) {
    const byPrint = new Map<string, B[]>();
    for (const b of right) {
      const k = input.fingerprintB(b);
      const list = byPrint.get(k);
      if (list) list.push(b);
      else byPrint.set(k, [b]);
    }
    const usedB = new Set<B>();
    const restA: A[] = [];
    for (const a of left) {
      const b = byPrint.get(input.fingerprintA(a))?.shift();
      if (b === undefined) restA.push(a);
      else {
        usedB.add(b);
        out.push({ a, b, score: 1 });
      }
    }
    left = restA;
    right = right.filter((b) => !usedB.has(b));
  }
  if (left.length === 0 || right.length === 0) return out;
  if (Math.min(left.length, right.length) <= HUNGARIAN_MAX && left.length * right.length <= HUNGARIAN_MAX * HUNGARIAN_MAX * 4) {
    return out.concat(hungarianPairs(left, right, score, minScore));
  }
  return out.concat(greedyPairs(left, right, input));
}

function hungarianPairs<A, B>(left: A[], right: B[], score: (a: A, b: B) => number, minScore: number): Array<Assigned<A, B>> {
  const swap = left.length > right.length;
  const rows = swap ? right.length : left.length;
  const cols = swap ? left.length : right.length;
  const w = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i += 1) {
    for (let j = 0; j < cols; j += 1) {
      const s = swap ? score(left[j] as A, right[i] as B) : score(left[i] as A, right[j] as B);
      w[i * cols + j] = s >= minScore ? s : 0;
    }
  }
  const colOf = hungarian(w, rows, cols);
  const out: Array<Assigned<A, B>> = [];
  for (let i = 0; i < rows; i += 1) {
    const j = colOf[i] as number;
    const s = w[i * cols + j] as number;
    if (j < 0 || s < minScore || s === 0) continue;
    out.push(swap ? { a: left[j] as A, b: right[i] as B, score: s } : { a: left[i] as A, b: right[j] as B, score: s });
  }
  return out;
}

/**
 * Maximum-weight assignment of rows to distinct columns (rows ≤ cols), as minimum cost
 * with cost = -weight: the shortest augmenting path form with potentials (Kuhn-Munkres,
 * O(rows²·cols)). Returns the column of each row.
 */
export function hungarian(weight: Float64Array, rows: number, cols: number): Int32Array {
  const INF = Number.POSITIVE_INFINITY;
  const u = new Float64Array(rows + 1);
  const v = new Float64Array(cols + 1);
  const p = new Int32Array(cols + 1); // p[j]: row (1-based) assigned to column j, 0 = none
  const way = new Int32Array(cols + 1);
  const minv = new Float64Array(cols + 1);
  const used = new Uint8Array(cols + 1);
  for (let i = 1; i <= rows; i += 1) {
    p[0] = i;
    let j0 = 0;
    minv.fill(INF);
    used.fill(0);
    do {
      used[j0] = 1;
      const i0 = p[j0] as number;
      let delta = INF;
      let j1 = 0;
      const base = (i0 - 1) * cols;
      const ui0 = u[i0] as number;
      for (let j = 1; j <= cols; j += 1) {
        if (used[j]) continue;
        const cur = -(weight[base + j - 1] as number) - ui0 - (v[j] as number);
        if (cur < (minv[j] as number)) {
          minv[j] = cur;
          way[j] = j0;
        }
        if ((minv[j] as number) < delta) {
          delta = minv[j] as number;
          j1 = j;
        }
      }
      for (let j = 0; j <= cols; j += 1) {
        if (used[j]) {
          u[p[j] as number] = (u[p[j] as number] as number) + delta;
          v[j] = (v[j] as number) - delta;
        } else minv[j] = (minv[j] as number) - delta;
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0] as number;
      p[j0] = p[j1] as number;
      j0 = j1;
    } while (j0 !== 0);
  }
  const colOf = new Int32Array(rows).fill(-1);
  for (let j = 1; j <= cols; j += 1) if ((p[j] as number) > 0) colOf[(p[j] as number) - 1] = j - 1;
  return colOf;
}

/** The fallback for huge buckets: greedy by score over pairs that share a fine key. */
function greedyPairs<A, B>(left: A[], right: B[], input: AssignInput<A, B>): Array<Assigned<A, B>> {
  const keyA = input.fineKeyA ?? (() => '');
  const keyB = input.fineKeyB ?? (() => '');
  const groups = new Map<string, { a: A[]; b: B[] }>();
  const group = (k: string): { a: A[]; b: B[] } => {
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { a: [], b: [] }));
    return g;
  };
  for (const a of left) group(keyA(a)).a.push(a);
  for (const b of right) group(keyB(b)).b.push(b);
  const candidates: Array<Assigned<A, B> & { order: number }> = [];
  let order = 0;
  for (const g of groups.values()) {
    if (g.a.length === 0 || g.b.length === 0) continue;
    // Each item meets at most `width` items of the other side, in list order.
    const width = Math.max(1, Math.floor(GREEDY_GROUP_PAIRS / Math.max(g.a.length, g.b.length)));
    for (let i = 0; i < g.a.length; i += 1) {
      const a = g.a[i] as A;
      const start = Math.max(0, Math.min(i - Math.floor(width / 2), g.b.length - width));
      for (let j = start; j < Math.min(g.b.length, start + width); j += 1) {
        const b = g.b[j] as B;
        const s = input.score(a, b);
        if (s >= input.minScore) candidates.push({ a, b, score: s, order: order++ });
      }
    }
  }
  candidates.sort((x, y) => y.score - x.score || x.order - y.order);
  const usedA = new Set<A>();
  const usedB = new Set<B>();
  const out: Array<Assigned<A, B>> = [];
  for (const c of candidates) {
    if (usedA.has(c.a) || usedB.has(c.b)) continue;
    usedA.add(c.a);
    usedB.add(c.b);
    out.push({ a: c.a, b: c.b, score: c.score });
  }
  return out;
}
