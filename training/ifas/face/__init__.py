"""Face localisation for the data pipeline: the same BlazeFace ONNX, decoding and crop policy as the
TypeScript runtime (src/face/, src/image/affine-sample.ts)."""
