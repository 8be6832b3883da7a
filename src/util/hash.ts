import { createHash, hash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** sha256 of a file, streamed: the file's identity for the exactly-once check. */
export async function sha256File(path: string): Promise<string> {
  const sha = createHash('sha256');
  for await (const chunk of createReadStream(path, {
    highWaterMark: 1024 * 1024,
  })) {
    sha.update(chunk as Buffer);
  }
  return sha.digest('hex');
}

/**
 * A short, stable content hash of a string (sha1, base64url); used to detect unchanged records.
 * The one-shot `crypto.hash` (Node ≥ 20.12) skips the Hash object a row at a time would cost.
 */
export function contentHash(text: string): string {
  return hash('sha1', text, 'base64url');
}
