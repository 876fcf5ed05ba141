/** Thrown for any layer or option the exporter cannot express; no bytes are produced. */
export class UnsupportedLayerError extends Error {
  constructor(
    readonly layerName: string,
    readonly className: string,
    reason: string,
  ) {
    super(`Cannot export layer "${layerName}" (${className}) to TFLite: ${reason}`);
    this.name = 'UnsupportedLayerError';
  }
}
