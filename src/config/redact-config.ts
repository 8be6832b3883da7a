import { REDACTED, redactUrl } from '../logging/redact.js';
import type { AppConfig } from './app-config.js';

/**
 * Secrets in the config: the database URL's password and the SMTP password. Everything that
 * shows config values or config errors to a person or a log goes through these helpers.
 */

/** A copy of the config that is safe to print (`config show`, start-up log lines). */
export function redactConfig(config: AppConfig): AppConfig {
  const store =
    config.store.type === 'postgres'
      ? { ...config.store, url: redactUrl(config.store.url) }
      : config.store;
  const smtp = config.notify.email.smtp;
  const email =
    smtp?.password === undefined
      ? config.notify.email
      : { ...config.notify.email, smtp: { ...smtp, password: REDACTED } };
  return { ...config, store, notify: { ...config.notify, email } };
}

/**
 * The secret strings found in a (possibly invalid) config layer: passwords inside URLs and
 * values of `password` keys. Used to scrub error messages, where we cannot rely on the shape.
 */
export function collectSecrets(
  value: unknown,
  key?: string,
  found: Set<string> = new Set(),
): Set<string> {
  if (typeof value === 'string') {
    if (
      key !== undefined &&
      /password|secret|token/i.test(key) &&
      value !== ''
    ) {
      found.add(value);
    }
    for (const match of value.matchAll(
      /\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:([^\s/]*)@/gi,
    )) {
      if (match[1]) {
        found.add(match[1]);
        found.add(safeDecode(match[1]));
      }
    }
  } else if (Array.isArray(value)) {
    for (const item of value) {
      collectSecrets(item, undefined, found);
    }
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      collectSecrets(v, k, found);
    }
  }
  return found;
}

/** Replaces every secret (and every URL password) in a text with `***`. */
export function maskSecrets(
  text: string,
  secrets: ReadonlySet<string>,
): string {
  let out = redactUrl(text);
  // Longest first, so a secret that contains another one is masked whole.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    // Very short "secrets" would mask ordinary words; such passwords are not worth hiding.
    if (secret.length >= 3) {
      out = out.split(secret).join(REDACTED);
    }
  }
  return out;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
