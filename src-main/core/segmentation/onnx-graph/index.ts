export { GraphBuilder, attr, tensorProto, withExternalData, ONNX_IR_VERSION, ONNX_OPSET } from './graph-builder'
export type { AttributeValue, Dim, ElementType, TensorValue } from './graph-builder'
