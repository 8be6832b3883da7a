import type { z } from 'zod';

/**
 * Turns zod issues into the short sentences admins read in config and format errors. Zod's own
 * texts start with "Invalid input:" and say nothing useful for unions; these helpers trim and
 * complete them. They never add the offending value: config values can be secrets.
 */

export type ZodIssue = z.core.$ZodIssue;

/** The path to point at: for an unknown key, the key itself rather than the object holding it. */
export function issueTargetPath(issue: ZodIssue): PropertyKey[] {
  if (issue.code === 'unrecognized_keys' && issue.keys[0] !== undefined) {
    return [...issue.path, issue.keys[0]];
  }
  return [...issue.path];
}

/** "expected number, received string" rather than "Invalid input: expected number, received string". */
export function describeZodIssue(issue: ZodIssue): string {
  switch (issue.code) {
    case 'unrecognized_keys': {
      const keys = issue.keys.map((k) => `"${k}"`).join(', ');
      return issue.keys.length === 1
        ? `unknown key ${keys}`
        : `unknown keys ${keys}`;
    }
    case 'invalid_union':
      return describeUnion(issue);
    default:
      return trimZodPrefix(issue.message);
  }
}

function describeUnion(issue: z.core.$ZodIssueInvalidUnion): string {
  if (issue.errors.length === 0) {
    // Discriminated unions: zod's message already lists the allowed values.
    return trimZodPrefix(issue.message);
  }
  // A plain union such as `string | string[]`: when every branch failed only on its type,
  // "expected string or array, received number" says it all.
  const expected: string[] = [];
  let received: string | undefined;
  for (const branch of issue.errors) {
    const only = branch.length === 1 ? branch[0] : undefined;
    if (only?.code !== 'invalid_type' || only.path.length > 0) {
      // A branch that failed deeper: its own first problem is the most specific hint.
      const first = branch[0];
      return first ? describeZodIssue(first) : trimZodPrefix(issue.message);
    }
    expected.push(only.expected);
    received ??= /received (\w+)/.exec(only.message)?.[1];
  }
  const unique = [...new Set(expected)];
  return `expected ${unique.join(' or ')}${received ? `, received ${received}` : ''}`;
}

function trimZodPrefix(message: string): string {
  return message.replace(/^Invalid (input|option): /, '');
}
