/// <reference types="node" />
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { generateAtRestKey, seal, unseal } from './at-rest.ts';

it('seals with a non-extractable AES-GCM key and opens only with the same context', async () => {
  const key = await generateAtRestKey();
  assert.equal(key.extractable, false);
  await assert.rejects(crypto.subtle.exportKey('raw', key));
  const bytes = new TextEncoder().encode('TFL3 model bytes TFL3 model bytes');
  const sealed = await seal(key, bytes, 'm1:abc');
  assert.equal(Buffer.from(sealed.ciphertext).includes(Buffer.from('model bytes')), false, 'no plaintext at rest');
  assert.deepEqual(await unseal(key, sealed, 'm1:abc'), bytes);
  await assert.rejects(unseal(key, sealed, 'm2:abc'), /cannot be decrypted/);
  const tampered = new Uint8Array(sealed.ciphertext.slice(0));
  tampered[3] ^= 1;
  await assert.rejects(unseal(key, { iv: sealed.iv, ciphertext: tampered.buffer }, 'm1:abc'), /cannot be decrypted/);
});
