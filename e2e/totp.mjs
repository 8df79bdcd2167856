// RFC 6238 TOTP (SHA-1, 30 s, 6 digits) for the demo accounts, shared by the browser checks.
// Hearth refuses a code used before (replay protection), so a second sign-in of the same account
// within one 30-second window waits for the next window.
import { createHmac } from "node:crypto";

function base32(s) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of s.replace(/=+$/, "").toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

export function totp(secret, at = Date.now()) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 1000 / 30)));
  const h = createHmac("sha1", base32(secret)).update(counter).digest();
  const o = h[h.length - 1] & 0xf;
  const n = ((h[o] & 0x7f) << 24) | (h[o + 1] << 16) | (h[o + 2] << 8) | h[o + 3];
  return String(n % 1_000_000).padStart(6, "0");
}

const lastWindow = new Map();

/** A code for `account` from a window it has not used yet (waits up to 30 s for the next one). */
export async function freshTotp(secret, account) {
  let window = Math.floor(Date.now() / 30000);
  const last = lastWindow.get(account) ?? -1;
  if (window <= last) {
    await new Promise((r) => setTimeout(r, (last + 1) * 30000 - Date.now() + 250));
    window = Math.floor(Date.now() / 30000);
  }
  lastWindow.set(account, window);
  return totp(secret, window * 30000);
}
