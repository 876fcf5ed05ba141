// The microphone as a stream of PCM chunks (mono, float -1..1, at the device's own rate, usually 48 kHz).
// An AudioWorklet taps the samples on the audio thread and posts them in blocks; the page resamples later with
// @offgrid/features' resampleLinear, the same function the server uses, instead of trusting the browser's
// resampler. Echo cancellation, noise suppression and auto gain are off so capture and prediction hear the same.

const PROCESSOR_NAME = 'offgrid-pcm-tap';
/** Samples per message: ~43 ms at 48 kHz, few enough messages, fine enough for the level meter. */
const BLOCK = 2048;

// Runs in the AudioWorkletGlobalScope, loaded from a Blob URL so the app needs no extra build entry.
const PROCESSOR_SOURCE = `
class PcmTap extends AudioWorkletProcessor {
  constructor() { super(); this.block = new Float32Array(${BLOCK}); this.filled = 0; }
  process(inputs) {
    const input = inputs[0];
    if (!input || input.length === 0) return true;
    const channels = input.length;
    for (let i = 0; i < input[0].length; i++) {
      let sum = 0;
      for (let c = 0; c < channels; c++) sum += input[c][i];
      this.block[this.filled++] = sum / channels;
      if (this.filled === this.block.length) {
        this.port.postMessage(this.block, [this.block.buffer]);
        this.block = new Float32Array(${BLOCK});
        this.filled = 0;
      }
    }
    return true;
  }
}
registerProcessor('${PROCESSOR_NAME}', PcmTap);
`;

export interface Microphone {
  /** The rate of the chunks (the AudioContext's, i.e. the device's). */
  readonly sampleRate: number;
  stop(): void;
}

function describeMicrophoneError(error: unknown): Error {
  const name = error instanceof DOMException ? error.name : '';
  if (name === 'NotAllowedError' || name === 'SecurityError') return new Error('Microphone access was denied. Allow the microphone for this site in the browser settings, then try again.', { cause: error });
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return new Error('No microphone was found on this device.', { cause: error });
  if (name === 'NotReadableError') return new Error('The microphone is busy (another app is using it).', { cause: error });
  return error instanceof Error ? error : new Error(String(error));
}

/** Asks for the microphone and calls `onChunk` with each block of samples until `stop()`. */
export async function openMicrophone(onChunk: (samples: Float32Array) => void): Promise<Microphone> {
  if (!navigator.mediaDevices?.getUserMedia) throw new Error('This browser cannot record audio here (the page needs HTTPS).');
  let stream: MediaStream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false, channelCount: 1 }, video: false });
  } catch (error) {
    throw describeMicrophoneError(error);
  }
  const context = new AudioContext();
  try {
    const moduleUrl = URL.createObjectURL(new Blob([PROCESSOR_SOURCE], { type: 'text/javascript' }));
    try {
      await context.audioWorklet.addModule(moduleUrl);
    } finally {
      URL.revokeObjectURL(moduleUrl);
    }
    const source = context.createMediaStreamSource(stream);
    const tap = new AudioWorkletNode(context, PROCESSOR_NAME, { numberOfInputs: 1, numberOfOutputs: 1 });
    tap.port.onmessage = (event: MessageEvent<Float32Array>) => onChunk(event.data);
    // The graph only pulls nodes that lead to the destination: a muted gain keeps the tap running silently.
    const mute = context.createGain();
    mute.gain.value = 0;
    source.connect(tap).connect(mute).connect(context.destination);
    if (context.state === 'suspended') await context.resume();
    return {
      sampleRate: context.sampleRate,
      stop() {
        tap.port.onmessage = null;
        source.disconnect();
        stream.getTracks().forEach((track) => track.stop());
        void context.close();
      },
    };
  } catch (error) {
    stream.getTracks().forEach((track) => track.stop());
    void context.close();
    throw error;
  }
}
