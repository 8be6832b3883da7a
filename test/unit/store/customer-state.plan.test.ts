import { describe, expect, it } from 'vitest';
import {
  planStatus,
  planType,
  statusChange,
} from '../../../src/store/customer-state.js';

describe('status and type plans of an upsert', () => {
  it('status: new customers, the blocked flag, reactivation', () => {
    expect(planStatus(undefined, undefined, 'active')).toBe('active');
    expect(planStatus(undefined, 'active', 'blocked')).toBe('blocked');
    expect(planStatus(undefined, 'blocked', 'active')).toBe('blocked');
    expect(planStatus('blocked', undefined, 'active')).toBe('blocked');
    expect(planStatus('blocked', 'active', 'blocked')).toBe('active');
    expect(planStatus('active', 'blocked', 'active')).toBe('blocked');
    expect(planStatus('deactivated', undefined, 'blocked')).toBe('active');
    expect(planStatus('deactivated', 'blocked', 'active')).toBe('blocked');
  });

  it('type: the first one is kept, a different one is a conflict', () => {
    expect(planType(undefined, 'B2B')).toEqual({
      type: 'B2B',
      conflict: false,
    });
    expect(planType(null, 'B2C')).toEqual({ type: 'B2C', conflict: false });
    expect(planType('B2C', 'B2B')).toEqual({ type: 'B2C', conflict: true });
    expect(planType('B2C', undefined)).toEqual({
      type: 'B2C',
      conflict: false,
    });
    expect(statusChange('active', 'active')).toEqual([]);
  });
});
