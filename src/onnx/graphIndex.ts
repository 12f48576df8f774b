import type onnxProto from 'onnx-proto';

type NodeProto = onnxProto.onnx.INodeProto;
type GraphProto = onnxProto.onnx.IGraphProto;

/**
 * Ops whose outputs depend on an input's shape but not its values. Edges out of them are left
 * out of the data flow, so a mask or reshape computed from `Shape(x)` is not mistaken for a
 * path that carries x's values around a block.
 */
const SHAPE_ONLY_OPS = new Set(['Shape', 'Size']);

/** Who produces and who consumes each tensor of one graph (top level, subgraphs not entered). */
export class GraphIndex {
  readonly nodes: readonly NodeProto[];
  readonly initializers: ReadonlySet<string>;
  readonly graphInputs: ReadonlySet<string>;
  /** Node indices in an order where producers come before consumers. */
  readonly topologicalOrder: readonly number[];
  /** Position of each node in topologicalOrder. */
  readonly rank: Int32Array;
  /** Data-flow successors of each node (edges out of shape-only ops excluded). */
  readonly successors: readonly (readonly number[])[];
  private readonly producers = new Map<string, number>();
  private readonly consumers = new Map<string, number[]>();

  constructor(graph: GraphProto) {
    this.nodes = graph.node ?? [];
    this.initializers = new Set((graph.initializer ?? []).map((t) => t.name ?? ''));
    this.graphInputs = new Set((graph.input ?? []).map((v) => v.name ?? ''));
    this.nodes.forEach((node, i) => {
      for (const out of node.output ?? []) if (out) this.producers.set(out, i);
      for (const input of node.input ?? []) {
        if (!input) continue;
        const list = this.consumers.get(input) ?? [];
        if (!list.includes(i)) list.push(i);
        this.consumers.set(input, list);
      }
    });
    this.successors = this.nodes.map((node) => {
      if (SHAPE_ONLY_OPS.has(node.opType ?? '')) return [];
      const next = new Set<number>();
      for (const out of node.output ?? []) for (const c of this.consumersOf(out)) next.add(c);
      return [...next];
    });
    this.topologicalOrder = this.sortTopologically();
    this.rank = new Int32Array(this.nodes.length);
    this.topologicalOrder.forEach((v, i) => { this.rank[v] = i; });
  }

  producerOf(tensor: string): number | undefined {
    return this.producers.get(tensor);
  }

  consumersOf(tensor: string): readonly number[] {
    return this.consumers.get(tensor) ?? [];
  }

  /** Every tensor name in use: inputs, initializers, node inputs and outputs. */
  allTensorNames(): Set<string> {
    const names = new Set<string>([...this.initializers, ...this.graphInputs, ...this.producers.keys(), ...this.consumers.keys()]);
    return names;
  }

  /** Nodes reachable from `start` along data-flow edges, `start` included. */
  reachableFrom(start: readonly number[]): Set<number> {
    const seen = new Set<number>(start);
    const stack = [...start];
    while (stack.length > 0) {
      const v = stack.pop()!;
      for (const s of this.successors[v]) if (!seen.has(s)) { seen.add(s); stack.push(s); }
    }
    return seen;
  }

  // Kahn's algorithm over all tensor edges: ONNX asks for sorted nodes but not every exporter obeys.
  private sortTopologically(): number[] {
    const indegree = this.nodes.map(() => 0);
    const next: number[][] = this.nodes.map(() => []);
    this.nodes.forEach((node, i) => {
      const sources = new Set<number>();
      for (const input of node.input ?? []) {
        const p = input ? this.producers.get(input) : undefined;
        if (p !== undefined && p !== i) sources.add(p);
      }
      for (const p of sources) { next[p].push(i); indegree[i] += 1; }
    });
    const ready = indegree.flatMap((d, i) => (d === 0 ? [i] : []));
    const order: number[] = [];
    for (let head = 0; head < ready.length; head += 1) {
      const v = ready[head];
      order.push(v);
      for (const s of next[v]) if (--indegree[s] === 0) ready.push(s);
    }
    if (order.length !== this.nodes.length) throw new Error('graph has a cycle among its nodes');
    return order;
  }
}
