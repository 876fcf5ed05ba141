// Encryption at rest for downloaded models: AES-GCM-256 under a WebCrypto key that is generated on the
// phone as non-extractable (script can use it, never read it) and kept in IndexedDB next to the data.

export interface Sealed {
  iv: Uint8Array;
  ciphertext: ArrayBuffer;
}

export function generateAtRestKey(): Promise<CryptoKey> {
  return crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
}

/** `context` (e.g. model id + sha256) is authenticated with the data: a record moved to another id fails to open. */
export async function seal(key: CryptoKey, plaintext: Uint8Array, context: string): Promise<Sealed> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ciphertext = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: new TextEncoder().encode(context) },
    key,
    plaintext as Uint8Array<ArrayBuffer>,
  );
  return { iv, ciphertext };
}

export async function unseal(key: CryptoKey, sealed: Sealed, context: string): Promise<Uint8Array> {
  try {
    const plaintext = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: sealed.iv as Uint8Array<ArrayBuffer>, additionalData: new TextEncoder().encode(context) },
      key,
      sealed.ciphertext,
    );
    return new Uint8Array(plaintext);
  } catch (error) {
    throw new Error('The model saved on this phone cannot be decrypted (damaged, or its key was lost). Delete it and download it again.', { cause: error });
  }
}
