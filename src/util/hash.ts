import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** sha256 of a file, streamed: the file's identity for the exactly-once check. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
  }
  return hash.digest('hex');
}

/** A short, stable content hash of a string (sha1, hex); used to detect unchanged records. */
export function contentHash(text: string): string {
  return createHash('sha1').update(text).digest('base64url');
}
