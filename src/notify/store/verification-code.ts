/**
 * Confirmation codes for destinations: short enough to type from an IRC or Matrix message, kept only
 * as a hash, compared in constant time, valid for a day and for a few attempts.
 */
import { createHash, randomInt, timingSafeEqual } from 'node:crypto';

/** No 0/O, 1/I/L: a code read from a screen is typed right. */
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const CODE_LENGTH = 8;
export const CODE_LIFETIME_MS = 24 * 60 * 60 * 1000;
export const MAX_CODE_ATTEMPTS = 5;

export function newCode(): string {
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i++) code += ALPHABET[randomInt(ALPHABET.length)];
  return code;
}

/** Bound to the destination, so a hash copied to another row is worthless. */
export function hashCode(destinationId: string, code: string): string {
  return createHash('sha256').update(`${destinationId}\0${code.trim().toUpperCase()}`).digest('hex');
}

export function codeMatches(destinationId: string, code: string, storedHash: string): boolean {
  const actual = Buffer.from(hashCode(destinationId, code), 'hex');
  const expected = Buffer.from(storedHash, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
