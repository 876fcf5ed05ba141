// Getting a model version onto the phone: sha256-verified downloads (the SDK refuses a mismatch), the measured
// choice of variant and accelerator (variant-choice.ts), then only the chosen file encrypted into IndexedDB.
import { decodeProbes } from '@offgrid/features';
import type { ModelVersion, OffgridClient } from '@offgrid/sdk';
import { saveModel } from './model-store.ts';
import type { StoredModel } from './model-store.ts';
import { measureVariants, PHONE_VARIANTS, type PhoneVariant, type VariantChoice } from './variant-choice.ts';

/**
 * Downloads the version's int8 and float32 files and its probe samples, measures them on this phone, and keeps the
 * chosen file only (the other is dropped after measuring). A version without an int8 file is kept as float32.
 */
export async function downloadToPhone(client: OffgridClient, model: ModelVersion, signal?: AbortSignal, onStep: (text: string) => void = () => {}): Promise<StoredModel> {
  const has = (variant: string) => model.artifacts.some((a) => a.variant === variant);
  const variants = PHONE_VARIANTS.filter(has);
  onStep(`Downloading model v${model.version} (${variants.join(' and ')})…`);
  const downloads = await Promise.all(variants.map((variant) => client.downloadModel(model.id, variant, { signal })));
  const probes = has('probes') ? decodeProbes((await client.downloadModel(model.id, 'probes', { signal })).bytes) : undefined;
  const files = Object.fromEntries(variants.map((variant, i) => [variant, downloads[i].bytes])) as Partial<Record<PhoneVariant, Uint8Array>>;
  const choice = await measureVariants(model, files, probes, onStep);
  const kept = Math.max(0, variants.indexOf(choice.variant));
  // Ask once for storage the browser will not evict under pressure (granted silently for installed PWAs).
  void navigator.storage?.persist?.().catch(() => false);
  return saveModel(model, downloads[kept].bytes, downloads[kept].sha256, variants[kept], choice);
}

/** The user's own pick on the Models screen: that file replaces the kept one; the measurements stay for comparison. */
export async function useVariant(client: OffgridClient, stored: StoredModel, pick: Pick<VariantChoice, 'variant' | 'accelerator'>, signal?: AbortSignal): Promise<StoredModel> {
  const { bytes, sha256 } = await client.downloadModel(stored.model.id, pick.variant, { signal });
  const choice: VariantChoice = {
    ...pick, how: 'user', reason: `chosen on this phone: ${pick.variant} on ${pick.accelerator}`,
    measurements: stored.choice?.measurements ?? [], measuredAt: stored.choice?.measuredAt ?? new Date().toISOString(),
  };
  return saveModel(stored.model, bytes, sha256, pick.variant, choice);
}

export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return '—';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
}

export function formatDate(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}
