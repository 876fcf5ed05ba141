// "Training is done" while the phone is in a pocket: a system notification (through the service worker, the
// only way Chrome on Android shows one), else an in-app toast.

/** Asks for notification permission; call it from a tap (browsers ignore requests without a user gesture). */
export function askNotificationPermission(): void {
  if (typeof Notification === 'undefined' || Notification.permission !== 'default') return;
  void Notification.requestPermission().catch(() => 'denied');
}

export interface DoneMessage {
  title: string;
  body: string;
  /** Where a tap on the notification opens the app (a hash route). */
  url: string;
}

/** Shows a system notification when allowed; otherwise (or if that fails) a toast. Returns which one it used. */
export async function notifyDone(message: DoneMessage): Promise<'notification' | 'toast'> {
  if (typeof Notification !== 'undefined' && Notification.permission === 'granted') {
    try {
      const options: NotificationOptions = { body: message.body, tag: 'offgrid-training', icon: '/icon-192.png', data: { url: message.url } };
      const registration = await navigator.serviceWorker?.getRegistration();
      if (registration) await registration.showNotification(message.title, options);
      else new Notification(message.title, options);
      return 'notification';
    } catch (error) {
      console.info('Could not show a notification, showing a toast instead:', error);
    }
  }
  showToast(`${message.title}. ${message.body}`);
  return 'toast';
}

let toastTimer: ReturnType<typeof setTimeout> | undefined;

/** A short message at the bottom of the screen; a tap or 6 s hides it. */
export function showToast(text: string): void {
  let toast = document.querySelector<HTMLElement>('[data-testid="toast"]');
  if (!toast) {
    toast = document.createElement('div');
    toast.className = 'toast';
    toast.dataset.testid = 'toast';
    toast.setAttribute('role', 'status');
    toast.addEventListener('click', () => (toast!.hidden = true));
    document.body.append(toast);
  }
  toast.textContent = text;
  toast.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (toast!.hidden = true), 6000);
}
