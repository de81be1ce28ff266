import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'crypto';

/**
 * A secret that waits in the outbox (a temporary password between the commit and the send) is
 * kept encrypted with a key derived from the server's secret, which is not in the database, and
 * erased once the message went out: a copy of the database never holds a usable password.
 */
const PREFIX = 'sealed:v1:';

function keyOf(serverSecret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', serverSecret, 'lfxj-outbox', 'account-message-params', 32));
}

export function seal(serverSecret: string, plain: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyOf(serverSecret), iv);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
}

export const isSealed = (value: string) => value.startsWith(PREFIX);

/** Throws when the value was sealed under another secret or altered. */
export function unseal(serverSecret: string, value: string): string {
  const raw = Buffer.from(value.slice(PREFIX.length), 'base64');
  const decipher = createDecipheriv('aes-256-gcm', keyOf(serverSecret), raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
}
