/**
 * A small typed builder for ONNX graphs, used to generate the bundled demo model and test probe models
 * from TypeScript. It writes ONNX IR version 8 with the default-domain opset 17.
 *
 * onnx-proto is CommonJS, so it is reached through its default export. Its schema is ONNX 1.10.2,
 * which already has every field IR 8 needs.
 *
 * Names are generated from a counter, so building the same graph twice gives byte-identical output.
 */
import onnxProto from 'onnx-proto'
import type { onnx as OnnxTypes } from 'onnx-proto'

const { onnx } = onnxProto

export const ONNX_IR_VERSION = 8
export const ONNX_OPSET = 17

/** Element types the builder can declare. Values are onnx.TensorProto.DataType codes. */
export type ElementType = 'float32' | 'int64' | 'int32' | 'uint8' | 'bool'

const DATA_TYPE: Record<ElementType, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  int64: onnx.TensorProto.DataType.INT64,
  int32: onnx.TensorProto.DataType.INT32,
  uint8: onnx.TensorProto.DataType.UINT8,
  bool: onnx.TensorProto.DataType.BOOL,
}

/** A dimension: a fixed size, or a symbolic name for a dynamic axis (e.g. 'num_points'). */
export type Dim = number | string

/** An attribute value with its ONNX type spelled out (onnx-proto needs the explicit `type`). */
export type AttributeValue =
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'ints'; readonly value: readonly number[] }
  | { readonly kind: 'floats'; readonly value: readonly number[] }
  | { readonly kind: 'tensor'; readonly value: TensorValue }

/** Constructors for attribute values: `attr.int(4)`, `attr.string('linear')` … */
export const attr = {
  int: (value: number): AttributeValue => ({ kind: 'int', value }),
  float: (value: number): AttributeValue => ({ kind: 'float', value }),
  string: (value: string): AttributeValue => ({ kind: 'string', value }),
  ints: (value: readonly number[]): AttributeValue => ({ kind: 'ints', value }),
  floats: (value: readonly number[]): AttributeValue => ({ kind: 'floats', value }),
  tensor: (value: TensorValue): AttributeValue => ({ kind: 'tensor', value }),
}

/** Tensor contents. float32 data goes into rawData (little-endian); int64 values must be safe integers. */
export type TensorValue =
  | { readonly type: 'float32'; readonly dims: readonly number[]; readonly data: Float32Array | readonly number[] }
  | { readonly type: 'int64'; readonly dims: readonly number[]; readonly data: readonly number[] }
  | { readonly type: 'int32'; readonly dims: readonly number[]; readonly data: Int32Array | readonly number[] }
  | { readonly type: 'uint8'; readonly dims: readonly number[]; readonly data: Uint8Array | readonly number[] }
  | { readonly type: 'bool'; readonly dims: readonly number[]; readonly data: readonly boolean[] }

function elementCount(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1)
}

/** Encodes a tensor as a TensorProto with little-endian rawData. */
export function tensorProto(name: string, value: TensorValue): OnnxTypes.ITensorProto {
  const count = elementCount(value.dims)
  if (value.data.length !== count) {
    throw new Error(`tensor ${name}: ${value.data.length} values for dims [${value.dims.join(',')}] (${count} expected)`)
  }
  let raw: Uint8Array
  switch (value.type) {
    case 'float32': {
      raw = new Uint8Array(count * 4)
      const view = new DataView(raw.buffer)
      for (let i = 0; i < count; i++) view.setFloat32(i * 4, value.data[i] ?? 0, true)
      break
    }
    case 'int64': {
      raw = new Uint8Array(count * 8)
      const view = new DataView(raw.buffer)
      for (let i = 0; i < count; i++) {
        const v = value.data[i] ?? 0
        if (!Number.isSafeInteger(v)) throw new Error(`tensor ${name}: ${v} is not a safe integer`)
        view.setBigInt64(i * 8, BigInt(v), true)
      }
      break
    }
    case 'int32': {
      raw = new Uint8Array(count * 4)
      const view = new DataView(raw.buffer)
      for (let i = 0; i < count; i++) view.setInt32(i * 4, value.data[i] ?? 0, true)
      break
    }
    case 'uint8':
      raw = Uint8Array.from(value.data)
      break
    case 'bool':
      raw = Uint8Array.from(value.data, (b) => (b ? 1 : 0))
      break
  }
  return { name, dims: [...value.dims], dataType: DATA_TYPE[value.type], rawData: raw }
}

function attributeProto(name: string, value: AttributeValue): OnnxTypes.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType
  switch (value.kind) {
    case 'int':
      return { name, type: T.INT, i: value.value }
    case 'float':
      return { name, type: T.FLOAT, f: value.value }
    case 'string':
      return { name, type: T.STRING, s: new TextEncoder().encode(value.value) }
    case 'ints':
      return { name, type: T.INTS, ints: [...value.value] }
    case 'floats':
      return { name, type: T.FLOATS, floats: [...value.value] }
    case 'tensor':
      return { name, type: T.TENSOR, t: tensorProto('', value.value) }
  }
}

function valueInfo(name: string, type: ElementType, dims: readonly Dim[]): OnnxTypes.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: DATA_TYPE[type],
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  }
}

/**
 * Builds one graph. Every op method returns the name of its output, so graphs read like expressions:
 * `const y = g.op('Add', [x, g.constFloat([1])])`.
 */
export class GraphBuilder {
  private readonly nodes: OnnxTypes.INodeProto[] = []
  private readonly initializers: OnnxTypes.ITensorProto[] = []
  private readonly inputs: OnnxTypes.IValueInfoProto[] = []
  private readonly outputs: OnnxTypes.IValueInfoProto[] = []
  private readonly usedNames = new Set<string>()
  private counter = 0

  constructor(private readonly graphName: string) {}

  /** A fresh, deterministic tensor name with a readable prefix. */
  fresh(prefix = 't'): string {
    let name: string
    do {
      name = `${prefix}_${this.counter++}`
    } while (this.usedNames.has(name))
    this.usedNames.add(name)
    return name
  }

  private claim(name: string): string {
    if (this.usedNames.has(name)) throw new Error(`tensor name ${name} is already used`)
    this.usedNames.add(name)
    return name
  }

  /** Declares a graph input and returns its name. */
  input(name: string, type: ElementType, dims: readonly Dim[]): string {
    this.inputs.push(valueInfo(this.claim(name), type, dims))
    return name
  }

  /**
   * Declares a graph output. `source` is renamed to `name` with an Identity node, so any intermediate
   * tensor can be exposed under the interface name.
   */
  output(name: string, type: ElementType, dims: readonly Dim[], source: string): string {
    this.nodes.push({ opType: 'Identity', input: [source], output: [this.claim(name)], name: `out_${name}` })
    this.outputs.push(valueInfo(name, type, dims))
    return name
  }

  /** Adds a constant tensor as an initializer and returns its name. */
  initializer(value: TensorValue, prefix = 'c'): string {
    const name = this.fresh(prefix)
    this.initializers.push(tensorProto(name, value))
    return name
  }

  /** A float32 constant; a scalar when `dims` is [] (the default for one value). */
  constFloat(values: readonly number[] | Float32Array, dims?: readonly number[]): string {
    return this.initializer({ type: 'float32', dims: dims ?? (values.length === 1 ? [] : [values.length]), data: values })
  }

  /** An int64 constant, a 1-D vector by default (shapes, axes, pads). */
  constInt64(values: readonly number[], dims?: readonly number[]): string {
    return this.initializer({ type: 'int64', dims: dims ?? [values.length], data: values })
  }

  /** Adds a node with one output and returns the output name. */
  op(opType: string, inputs: readonly string[], attributes: Record<string, AttributeValue> = {}): string {
    const [out] = this.opN(opType, inputs, 1, attributes)
    return out as string
  }

  /** Adds a node with `outputCount` outputs and returns their names. An omitted optional input is ''. */
  opN(opType: string, inputs: readonly string[], outputCount: number, attributes: Record<string, AttributeValue> = {}): string[] {
    const outputs = Array.from({ length: outputCount }, () => this.fresh(opType.toLowerCase()))
    this.nodes.push({
      opType,
      name: `${opType}_${this.nodes.length}`,
      input: [...inputs],
      output: outputs,
      attribute: Object.entries(attributes).map(([k, v]) => attributeProto(k, v)),
    })
    return outputs
  }

  /** The ModelProto, verified by onnx-proto. */
  toModel(docString = ''): OnnxTypes.IModelProto {
    const model: OnnxTypes.IModelProto = {
      irVersion: ONNX_IR_VERSION,
      producerName: 'tessera',
      docString,
      opsetImport: [{ domain: '', version: ONNX_OPSET }],
      graph: {
        name: this.graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    }
    const problem = onnx.ModelProto.verify(model)
    if (problem) throw new Error(`invalid ONNX model ${this.graphName}: ${problem}`)
    return model
  }

  /** Serialises the model to protobuf bytes, ready for `InferenceSession.create` or a file. */
  serialize(docString = ''): Uint8Array {
    const bytes = onnx.ModelProto.encode(this.toModel(docString)).finish()
    // protobufjs hands back a Node Buffer when it can; give callers a plain Uint8Array either way.
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }
}

/**
 * Moves the float32 initializers of a serialised model that hold at least `minBytes` into one external-data file
 * (the layout `onnx.save(..., save_as_external_data=True, all_tensors_to_one_file=True)` writes): each
 * such tensor loses its raw data and names `location` with its offset and length instead. Offsets are
 * 16-byte aligned. Returns the new graph bytes and the data file's bytes.
 */
export function withExternalData(modelBytes: Uint8Array, location: string, minBytes = 16): { graph: Uint8Array; data: Uint8Array } {
  const model = onnx.ModelProto.decode(modelBytes)
  const chunks: Uint8Array[] = []
  let offset = 0
  for (const tensor of model.graph?.initializer ?? []) {
    const raw = tensor.rawData
    // Integer tensors stay inline: they are shapes and indices that shape inference must read.
    if (!raw || raw.length < minBytes || tensor.dataType !== onnx.TensorProto.DataType.FLOAT) continue
    const padding = (16 - (offset % 16)) % 16
    if (padding > 0) chunks.push(new Uint8Array(padding))
    offset += padding
    chunks.push(raw)
    tensor.externalData = [
      { key: 'location', value: location },
      { key: 'offset', value: String(offset) },
      { key: 'length', value: String(raw.length) },
    ].map((entry) => onnx.StringStringEntryProto.create(entry))
    tensor.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL
    tensor.rawData = new Uint8Array(0)
    offset += raw.length
  }
  const data = new Uint8Array(offset)
  let at = 0
  for (const chunk of chunks) {
    data.set(chunk, at)
    at += chunk.length
  }
  const bytes = onnx.ModelProto.encode(model).finish()
  return { graph: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), data }
}
