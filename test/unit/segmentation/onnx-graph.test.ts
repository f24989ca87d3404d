import onnxProto from 'onnx-proto'
import * as ort from 'onnxruntime-node'
import { describe, expect, it } from 'vitest'
import { GraphBuilder, ONNX_IR_VERSION, ONNX_OPSET, attr } from '../../../src-main/core/segmentation/onnx-graph'

const { onnx } = onnxProto

/** y = Resize(Relu(x · w + b)) with a dynamic batch, plus an int64 output of x's shape. */
function buildSample(): Uint8Array {
  const g = new GraphBuilder('sample')
  const x = g.input('x', 'float32', ['batch', 2])
  const w = g.constFloat([1, -1, 2, 0.5], [2, 2])
  const b = g.constFloat([0.25, -10])
  const relu = g.op('Relu', [g.op('Add', [g.op('MatMul', [x, w]), b])])
  const up = g.op('Resize', [g.op('Unsqueeze', [relu, g.constInt64([0])]), '', g.constFloat([1, 1, 2])], {
    mode: attr.string('nearest'),
  })
  g.output('y', 'float32', [1, 'batch', 4], up)
  g.output('shape', 'int64', [2], g.op('Shape', [x]))
  return g.serialize('sample graph')
}

describe('GraphBuilder', () => {
  it('writes IR 8 / opset 17 with typed inputs and dynamic axes', () => {
    const model = onnx.ModelProto.decode(buildSample())
    expect(Number(model.irVersion)).toBe(ONNX_IR_VERSION)
    expect(model.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', ONNX_OPSET]])
    const x = model.graph?.input?.[0]
    expect(x?.name).toBe('x')
    expect(x?.type?.tensorType?.shape?.dim?.map((d) => d.dimParam || Number(d.dimValue))).toEqual(['batch', 2])
    expect(model.graph?.output?.map((o) => o.name)).toEqual(['y', 'shape'])
    const resize = model.graph?.node?.find((n) => n.opType === 'Resize')
    expect(resize?.input?.[1]).toBe('') // omitted optional input
    expect(resize?.attribute?.[0]?.type).toBe(onnx.AttributeProto.AttributeType.STRING)
  })

  it('runs in onnxruntime-node', async () => {
    const session = await ort.InferenceSession.create(buildSample(), { executionProviders: ['cpu'] })
    const out = await session.run({ x: new ort.Tensor('float32', Float32Array.of(1, 2, 3, 4), [2, 2]) })
    // rows: [1,2]·w + b = [1+4+0.25, −1+1−10] = [5.25, −10] → relu [5.25, 0]; [3,4] → [11.25, 0]
    expect(out.y?.dims).toEqual([1, 2, 4])
    expect(Array.from(out.y?.data as Float32Array)).toEqual([5.25, 5.25, 0, 0, 11.25, 11.25, 0, 0])
    expect(Array.from(out.shape?.data as BigInt64Array)).toEqual([2n, 2n])
  })

  it('is deterministic and refuses duplicate names', () => {
    expect(buildSample()).toEqual(buildSample())
    const g = new GraphBuilder('dup')
    g.input('a', 'float32', [1])
    expect(() => g.input('a', 'float32', [1])).toThrow(/already used/)
  })

  it('checks tensor sizes', () => {
    const g = new GraphBuilder('bad')
    expect(() => g.constFloat([1, 2, 3], [2, 2])).toThrow(/4 expected/)
    expect(() => g.constInt64([2 ** 60])).toThrow(/safe integer/)
  })
})
