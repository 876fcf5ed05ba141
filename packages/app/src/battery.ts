// Battery policy from the Battery Status API (Chromium; absent in Safari and Firefox): when the battery is low
// and not charging, background uploads pause and live prediction slows down.

export const LOW_BATTERY_LEVEL = 0.2;
/** Live prediction's minimum time between frames on a low battery (2 fps). */
export const LOW_BATTERY_FRAME_INTERVAL_MS = 500;

export interface BatteryState {
  supported: boolean;
  /** 0..1 */
  level?: number;
  charging?: boolean;
  low: boolean;
}

export function isLowBattery(level: number, charging: boolean): boolean {
  return !charging && level <= LOW_BATTERY_LEVEL;
}

interface BatteryManagerLike extends EventTarget {
  readonly level: number;
  readonly charging: boolean;
}

export class BatteryMonitor {
  state: BatteryState = { supported: false, low: false };
  private readonly listeners = new Set<(state: BatteryState) => void>();

  async start(): Promise<void> {
    const getBattery = (navigator as Navigator & { getBattery?: () => Promise<BatteryManagerLike> }).getBattery;
    if (typeof getBattery !== 'function') return;
    let battery: BatteryManagerLike;
    try {
      battery = await getBattery.call(navigator);
    } catch {
      return; // e.g. blocked by a permissions policy
    }
    const update = () => {
      this.state = { supported: true, level: battery.level, charging: battery.charging, low: isLowBattery(battery.level, battery.charging) };
      this.listeners.forEach((listener) => listener(this.state));
    };
    battery.addEventListener('levelchange', update);
    battery.addEventListener('chargingchange', update);
    update();
  }

  subscribe(listener: (state: BatteryState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
