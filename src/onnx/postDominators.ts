/**
 * Immediate post-dominators of a DAG towards one exit node: ipdom[v] is the first node that
 * every path from v to the exit passes through. -1 for the exit itself and for nodes that do not
 * reach it. Between two transformer blocks the residual stream is exactly such a node: every
 * path from the embedding to the logits goes through it.
 *
 * Nodes are visited in reverse topological order, so each successor's ipdom is known; the
 * intersection walks up the post-dominator tree by topological rank (Cooper, Harvey & Kennedy).
 */
export function immediatePostDominators(
  successors: readonly (readonly number[])[],
  topologicalOrder: readonly number[],
  exit: number,
): Int32Array {
  const n = successors.length;
  const rank = new Int32Array(n);
  topologicalOrder.forEach((v, i) => { rank[v] = i; });
  const ipdom = new Int32Array(n).fill(-1);
  const reachesExit = new Uint8Array(n);
  reachesExit[exit] = 1;

  const intersect = (a: number, b: number): number => {
    while (a !== b) {
      while (rank[a] < rank[b]) a = ipdom[a];
      while (rank[b] < rank[a]) b = ipdom[b];
    }
    return a;
  };

  for (let i = topologicalOrder.length - 1; i >= 0; i -= 1) {
    const v = topologicalOrder[i];
    if (v === exit) continue;
    let meet = -1;
    for (const s of successors[v]) {
      if (!reachesExit[s]) continue;
      meet = meet === -1 ? s : intersect(meet, s);
    }
    if (meet !== -1) {
      ipdom[v] = meet;
      reachesExit[v] = 1;
    }
  }
  return ipdom;
}
