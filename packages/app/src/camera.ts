// Rear-camera preview in a <video> element.

export async function startCamera(video: HTMLVideoElement): Promise<MediaStream> {
  if (!navigator.mediaDevices?.getUserMedia) {
    throw new Error('This browser gives no camera access here. Open the app over HTTPS (the pairing link) in Chrome or Safari.');
  }
  let stream: MediaStream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      audio: false,
      video: { facingMode: 'environment', width: { ideal: 640 }, height: { ideal: 480 } },
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'NotAllowedError') {
      throw new Error('Camera permission was denied. Allow the camera for this site in the browser settings, then reload.', { cause: error });
    }
    if (error instanceof DOMException && error.name === 'NotFoundError') throw new Error('No camera found on this device.', { cause: error });
    throw error;
  }
  video.srcObject = stream;
  video.muted = true;
  video.playsInline = true;
  await video.play();
  if (video.videoWidth === 0) await new Promise((resolve) => video.addEventListener('loadeddata', resolve, { once: true }));
  return stream;
}

export function stopCamera(video: HTMLVideoElement, stream: MediaStream | undefined): void {
  stream?.getTracks().forEach((track) => track.stop());
  video.srcObject = null;
}
