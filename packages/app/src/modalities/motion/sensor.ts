// Listening to DeviceMotionEvent: asks for permission where the browser wants it (iOS Safari's
// requestPermission; Android Chrome fires events without asking), and says so when none come.

type PermissionedMotionEvent = typeof DeviceMotionEvent & { requestPermission?: () => Promise<'granted' | 'denied'> };

/** How long to wait for the first event before telling the user the device sends none. */
export const NO_EVENTS_AFTER_MS = 1500;

export async function listenToMotion(onEvent: (event: DeviceMotionEvent) => void): Promise<() => void> {
  if (typeof DeviceMotionEvent === 'undefined') throw new Error('This browser has no motion sensors API (DeviceMotionEvent).');
  const request = (DeviceMotionEvent as PermissionedMotionEvent).requestPermission;
  if (request && (await request.call(DeviceMotionEvent)) !== 'granted') throw new Error('Motion sensor access was refused. Allow “Motion & Orientation” for this site.');
  window.addEventListener('devicemotion', onEvent);
  return () => window.removeEventListener('devicemotion', onEvent);
}

export const NO_EVENTS_MESSAGE = 'No motion readings yet: this device may have no accelerometer (a desktop?), or the browser blocks motion sensors for this page.';
