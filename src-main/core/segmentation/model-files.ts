/**
 * The files an ONNX model is made of. Large exports (SAM ViT-H's encoder is ~2.5 GB, past protobuf's 2 GiB
 * limit) keep their weights as "external data": initializers that name a file next to the graph
 * (`location`, relative to the graph's folder) and a byte range in it. onnxruntime reads those files
 * itself; we need them to hash the model (two exports with the same graph and other weights must not
 * share embeddings), to say which file is missing, and to refuse locations outside the model's folder.
 *
 * Only graph files up to MAX_GRAPH_PARSE_BYTES are parsed: a bigger graph file holds its weights inline
 * (that is why it is big), and parsing it would cost as much memory as the file.
 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import { dirname, isAbsolute, normalize, resolve, sep } from 'node:path'
import onnxProto from 'onnx-proto'
import type { onnx as OnnxTypes } from 'onnx-proto'
import { SegmentationError } from './errors'

const { onnx } = onnxProto

/** Graph files larger than this (bytes) are taken to carry their weights inline and are not parsed. */
export const MAX_GRAPH_PARSE_BYTES = 64 * 1024 * 1024

export interface OnnxModelFiles {
  /** The graph file, resolved. */
  readonly graph: string
  /** External-data files named by the graph, resolved, in first-use order, each once. */
  readonly externalData: readonly string[]
  /** Bytes of the graph file and every external-data file. */
  readonly totalBytes: number
}

/** Every tensor of a graph and its subgraphs: initializers and the values of tensor attributes. */
function* tensorsOf(graph: OnnxTypes.IGraphProto | null | undefined): Generator<OnnxTypes.ITensorProto> {
  if (!graph) return
  yield* graph.initializer ?? []
  for (const node of graph.node ?? []) {
    for (const attribute of node.attribute ?? []) {
      if (attribute.t) yield attribute.t
      yield* attribute.tensors ?? []
      yield* tensorsOf(attribute.g)
      for (const g of attribute.graphs ?? []) yield* tensorsOf(g)
    }
  }
}

/** External-data locations named by a graph file's bytes, each once, in first-use order. null if not ONNX. */
export function externalDataLocations(bytes: Uint8Array): string[] | null {
  let model: OnnxTypes.ModelProto
  try {
    model = onnx.ModelProto.decode(bytes)
  } catch {
    return null // onnxruntime reports what is wrong with the file when it loads it
  }
  const locations = new Set<string>()
  for (const tensor of tensorsOf(model.graph)) {
    if (tensor.dataLocation !== onnx.TensorProto.DataLocation.EXTERNAL) continue
    const location = tensor.externalData?.find((entry) => entry.key === 'location')?.value
    if (location) locations.add(location)
  }
  return [...locations]
}

/**
 * The graph file and its external-data files, checked: each location stays inside the graph's folder
 * and exists. `which` names the file in messages ("encoder", "decoder").
 */
export async function onnxModelFiles(path: string, which: string): Promise<OnnxModelFiles> {
  const graph = resolve(path)
  const info = await stat(graph)
  let totalBytes = info.size
  const externalData: string[] = []
  if (info.size <= MAX_GRAPH_PARSE_BYTES) {
    const folder = dirname(graph)
    for (const location of externalDataLocations(await readFile(graph)) ?? []) {
      const file = resolve(folder, normalize(location))
      if (isAbsolute(location) || !file.startsWith(folder + sep)) {
        throw new SegmentationError(
          'model_corrupt',
          `The ${which} ${graph} names external data at “${location}”, outside its folder; only files next to the model are read.`,
        )
      }
      let size: number
      try {
        size = (await stat(file)).size
      } catch {
        throw new SegmentationError(
          'model_not_found',
          `The ${which} ${graph} keeps its weights in “${location}”, which is missing from ${folder}. Put it next to the model file.`,
        )
      }
      externalData.push(file)
      totalBytes += size
    }
  }
  return { graph, externalData, totalBytes }
}

async function hashFile(hash: ReturnType<typeof createHash>, path: string): Promise<void> {
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  } catch (error) {
    throw new SegmentationError('model_unreadable', `Cannot read ${path}: ${(error as Error).message}`)
  }
}

/**
 * sha256 (hex) of a model: of the graph file alone when it has no external data (so such hashes equal
 * `sha256sum`), else of the graph file followed by each external-data file, each after a separator
 * naming its position.
 */
export async function sha256OfModel(files: OnnxModelFiles): Promise<string> {
  const hash = createHash('sha256')
  await hashFile(hash, files.graph)
  for (const [index, file] of files.externalData.entries()) {
    hash.update(`\0external-data ${index}\0`)
    await hashFile(hash, file)
  }
  return hash.digest('hex')
}
