// Motion capture: pick a label and a rate, record a session (optional 3 s countdown), see its duration and
// step count live; Stop turns it into an offgrid.motion.v1 recording at the chosen rate and puts it in the
// outbox (IndexedDB first, then uploaded gzipped like every sample).
import { h, errorMessage } from '../../dom.ts';
import type { MountCapture } from '../types.ts';
import { MotionRecorder } from './recorder.ts';
import './motion.css';
import { NO_EVENTS_AFTER_MS, NO_EVENTS_MESSAGE, listenToMotion } from './sensor.ts';

export const MOTION_RATES = [25, 50, 100] as const;
const COUNTDOWN_SECONDS = 3;
const DEFAULT_RATE = 50;
const DEFAULT_WINDOW_SECONDS = 2;

export const mountMotionCapture: MountCapture = (panel, { outbox, reachability }, project) => {
  const chosenRate = project.settings?.motion?.rateHz ?? DEFAULT_RATE;
  const windowSeconds = project.settings?.motion?.windowSeconds ?? DEFAULT_WINDOW_SECONDS;
  const rates = [...new Set<number>([...MOTION_RATES, chosenRate])].sort((a, b) => a - b);
  const labelSelect = h('select', { testid: 'motion-label-select', 'aria-label': 'Label of the recording' }, ...project.labels.map((name) => h('option', { value: name }, name)));
  const rateSelect = h('select', { testid: 'motion-rate-select', 'aria-label': 'Sample rate' }, ...rates.map((rate) => h('option', { value: rate, selected: rate === chosenRate }, `${rate} Hz`)));
  const countdownBox = h('input', { type: 'checkbox', testid: 'motion-countdown', class: 'inline' });
  const recordButton = h('button', { type: 'button', class: 'primary', testid: 'motion-record-button', 'aria-pressed': 'false' }, 'Start recording');
  const duration = h('strong', { testid: 'motion-duration' }, '0.0 s');
  const steps = h('span', { testid: 'motion-steps' }, '0');
  const deviceRate = h('span', { testid: 'motion-device-rate' }, '—');
  const status = h('p', { class: 'status', testid: 'motion-status', role: 'status' }, `Hold the phone as it will be used, choose what you are about to do, then record at least ${windowSeconds} s (longer is better: each recording gives several windows).`);

  panel.replaceChildren(
    h(
      'div',
      { class: 'card motion-capture', testid: 'motion-capture' },
      h('div', { class: 'form-row' }, h('label', {}, 'Label', labelSelect), h('label', {}, 'Rate', rateSelect)),
      h('label', { class: 'check' }, countdownBox, ` ${COUNTDOWN_SECONDS} s countdown before recording`),
      recordButton,
      h('p', { class: 'motion-live', testid: 'motion-live' }, duration, ' · ', steps, ' steps · device ', deviceRate),
    ),
    status,
  );

  let recorder: MotionRecorder | undefined;
  let stopListening: (() => void) | undefined;
  let ticker: ReturnType<typeof setInterval> | undefined;
  let countdown: ReturnType<typeof setTimeout> | undefined;
  let state: 'idle' | 'countdown' | 'recording' = 'idle';

  const setState = (next: typeof state) => {
    state = next;
    recordButton.textContent = next === 'idle' ? 'Start recording' : next === 'countdown' ? 'Cancel' : 'Stop and save';
    recordButton.setAttribute('aria-pressed', String(next !== 'idle'));
    recordButton.dataset.state = next;
    labelSelect.disabled = rateSelect.disabled = countdownBox.disabled = next !== 'idle';
  };

  const showLive = () => {
    if (!recorder) return;
    duration.textContent = `${recorder.seconds.toFixed(1)} s`;
    steps.textContent = String(recorder.steps);
    const rate = recorder.deviceRateHz;
    deviceRate.textContent = Number.isFinite(rate) ? `${Math.round(rate)} Hz` : '—';
  };

  const stopSensors = () => {
    clearInterval(ticker);
    clearTimeout(countdown);
    stopListening?.();
    stopListening = undefined;
  };

  async function start(): Promise<void> {
    const current = new MotionRecorder();
    recorder = current;
    const started = performance.now();
    stopListening = await listenToMotion((event) => {
      if (state === 'recording') current.add(event);
    });
    setState('recording');
    status.textContent = `Recording “${labelSelect.value}”…`;
    ticker = setInterval(() => {
      showLive();
      if (current.steps === 0 && performance.now() - started > NO_EVENTS_AFTER_MS) status.textContent = NO_EVENTS_MESSAGE;
    }, 100);
  }

  async function stopAndSave(): Promise<void> {
    stopSensors();
    setState('idle');
    const current = recorder;
    showLive();
    if (!current) return;
    const label = labelSelect.value;
    const rate = Number(rateSelect.value);
    if (current.seconds < windowSeconds) {
      status.textContent = current.steps === 0 ? NO_EVENTS_MESSAGE : `Too short: ${current.seconds.toFixed(1)} s recorded, at least ${windowSeconds} s (one model window) is needed. Not saved.`;
      return;
    }
    const recording = current.build(rate);
    const body = new TextEncoder().encode(JSON.stringify(recording));
    await outbox.add({ projectId: project.id, label, data: body, contentType: 'application/json' });
    const where = reachability.state === 'offline' ? ' Saved on the phone; uploads when the server is back.' : '';
    status.textContent = `Saved ${current.seconds.toFixed(1)} s of “${label}” (${recording.data.length / recording.channels.length} steps at ${rate} Hz, ${recording.channels.join(' ')}).${where}`;
    status.dataset.saved = String(Number(status.dataset.saved ?? 0) + 1);
  }

  recordButton.addEventListener('click', () => {
    const fail = (error: unknown) => {
      stopSensors();
      setState('idle');
      status.textContent = `Could not record: ${errorMessage(error)}`;
    };
    if (state === 'recording') return void stopAndSave().catch(fail);
    if (state === 'countdown') {
      clearTimeout(countdown);
      setState('idle');
      status.textContent = 'Cancelled.';
      return;
    }
    if (!countdownBox.checked) return void start().catch(fail);
    setState('countdown');
    let left = COUNTDOWN_SECONDS;
    const tick = () => {
      if (state !== 'countdown') return;
      if (left === 0) return void start().catch(fail);
      status.textContent = `Recording “${labelSelect.value}” in ${left}…`;
      left--;
      countdown = setTimeout(tick, 1000);
    };
    tick();
  });

  return () => {
    stopSensors();
    state = 'idle';
  };
};
