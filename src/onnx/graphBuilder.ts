import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
export type ModelProto = onnxProto.onnx.ModelProto;

/** Element types DONALD-D's generated graphs use, with their ONNX TensorProto codes. */
export type ElementType = 'float32' | 'float16' | 'int64' | 'int32' | 'bool';
const ELEMENT_CODE: Record<ElementType, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  float16: onnx.TensorProto.DataType.FLOAT16,
  int64: onnx.TensorProto.DataType.INT64,
  int32: onnx.TensorProto.DataType.INT32,
  bool: onnx.TensorProto.DataType.BOOL,
};

/** A dimension is a fixed size or a symbolic name such as 'batch' or 'sequence'. */
export type Dim = number | string;

/** Attribute values are tagged because ONNX distinguishes int from float attributes. */
export type AttributeValue =
  | { readonly int: number }
  | { readonly float: number }
  | { readonly ints: readonly number[] }
  | { readonly floats: readonly number[] }
  | { readonly string: string }
  | { readonly tensor: onnxProto.onnx.ITensorProto };

export type InitializerData = Float32Array | Int32Array | BigInt64Array | readonly number[];

function valueInfo(name: string, type: ElementType, dims: readonly Dim[]): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: ELEMENT_CODE[type],
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function toAttribute(name: string, v: AttributeValue): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if ('int' in v) return { name, type: T.INT, i: v.int };
  if ('float' in v) return { name, type: T.FLOAT, f: v.float };
  if ('ints' in v) return { name, type: T.INTS, ints: [...v.ints] };
  if ('floats' in v) return { name, type: T.FLOATS, floats: [...v.floats] };
  if ('string' in v) return { name, type: T.STRING, s: new TextEncoder().encode(v.string) };
  return { name, type: T.TENSOR, t: v.tensor };
}

/** A tensor proto with raw little-endian data (compact and byte-identical across runs). */
export function tensorProto(name: string, type: ElementType, dims: readonly number[], data: InitializerData): onnxProto.onnx.ITensorProto {
  let bytes: Uint8Array;
  if (data instanceof Float32Array || data instanceof Int32Array || data instanceof BigInt64Array) {
    bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  } else if (type === 'int64') {
    bytes = new Uint8Array(BigInt64Array.from(data.map((x) => BigInt(x))).buffer);
  } else if (type === 'int32') {
    bytes = new Uint8Array(Int32Array.from(data).buffer);
  } else if (type === 'float32') {
    bytes = new Uint8Array(Float32Array.from(data).buffer);
  } else {
    throw new TypeError(`tensorProto: give ${type} data as a typed array`);
  }
  const expected = dims.reduce((a, b) => a * b, 1);
  const perElement = type === 'int64' ? 8 : type === 'float16' ? 2 : type === 'bool' ? 1 : 4;
  if (bytes.byteLength !== expected * perElement) {
    throw new RangeError(`tensor ${name}: ${bytes.byteLength} bytes for dims [${dims.join(',')}] of ${type}`);
  }
  return { name, dataType: ELEMENT_CODE[type], dims: [...dims], rawData: Uint8Array.from(bytes) };
}

/**
 * Builds an ONNX graph node by node. Node names follow the Hugging Face exporter's scoped style
 * (`/model/layers.0/self_attn/MatMul`) when built inside `scope`, so generated graphs look like
 * real exports to code that finds layers by node name.
 */
export class GraphBuilder {
  private readonly nodes: onnxProto.onnx.INodeProto[] = [];
  private readonly inputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly outputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  private readonly scopes: string[] = [];
  private readonly usedNames = new Map<string, number>();

  constructor(private readonly graphName: string) {}

  input(name: string, type: ElementType, dims: readonly Dim[]): string {
    this.inputs.push(valueInfo(name, type, dims));
    return name;
  }

  output(name: string, type: ElementType, dims: readonly Dim[]): string {
    this.outputs.push(valueInfo(name, type, dims));
    return name;
  }

  initializer(name: string, type: ElementType, dims: readonly number[], data: InitializerData): string {
    this.initializers.push(tensorProto(name, type, dims, data));
    return name;
  }

  /** Runs `build` with node names prefixed by `/a/b` scopes, as torch.onnx.export names them. */
  scope<T>(name: string, build: () => T): T {
    this.scopes.push(name);
    try {
      return build();
    } finally {
      this.scopes.pop();
    }
  }

  private uniqueNodeName(opType: string): string {
    const base = `${this.scopes.length ? '/' + this.scopes.join('/') : ''}/${opType}`;
    const seen = this.usedNames.get(base) ?? 0;
    this.usedNames.set(base, seen + 1);
    return seen === 0 ? base : `${base}_${seen}`;
  }

  /**
   * Adds a node; `outputs` is either explicit names or a count (names are then derived from the
   * node name as `<node>_output_<i>`, like the exporter). Returns the output names.
   */
  node(
    opType: string,
    inputs: readonly string[],
    outputs: readonly string[] | number = 1,
    attributes: Readonly<Record<string, AttributeValue>> = {},
    domain = '',
  ): string[] {
    const name = this.uniqueNodeName(opType);
    const outNames = typeof outputs === 'number' ? Array.from({ length: outputs }, (_, i) => `${name}_output_${i}`) : [...outputs];
    this.nodes.push({
      name,
      opType,
      domain,
      input: [...inputs],
      output: outNames,
      attribute: Object.entries(attributes).map(([k, v]) => toAttribute(k, v)),
    });
    return outNames;
  }

  /** One-output convenience for `node`. */
  op(opType: string, inputs: readonly string[], attributes: Readonly<Record<string, AttributeValue>> = {}): string {
    return this.node(opType, inputs, 1, attributes)[0];
  }

  constInt64(name: string, values: readonly number[], dims: readonly number[] = [values.length]): string {
    return this.initializer(name, 'int64', dims, values);
  }

  constFloat(name: string, values: readonly number[], dims: readonly number[] = [values.length]): string {
    return this.initializer(name, 'float32', dims, values);
  }

  toModel(options: { opset: number; producer?: string; docString?: string; metadata?: Record<string, string> }): ModelProto {
    return onnx.ModelProto.create({
      irVersion: 8,
      producerName: options.producer ?? 'donald-d',
      docString: options.docString ?? '',
      opsetImport: [{ domain: '', version: options.opset }],
      metadataProps: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
      graph: {
        name: this.graphName,
        node: this.nodes,
        input: this.inputs,
        output: this.outputs,
        initializer: this.initializers,
      },
    });
  }
}

export function encodeModel(model: ModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}
