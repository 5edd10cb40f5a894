/**
 * The contract between the budget stores, the ledgers and the request pipeline (issue 7). The
 * invariant every store keeps: for each budget and each scope value, spent + reserved <= limit
 * at every instant, counting only what the gateway allows (see README: budgets).
 */
import type { Snapshot } from '../../engine/src/decide.js';
import type { PolicyBudget } from '../../engine/src/policy/types.js';

/** The scope values one request falls under (empty string = none for that scope). */
export interface ScopeValues { key: string; user: string; team: string; session: string; model: string; route: string }
export interface ReserveRequest { requestId: string; at: number /* epoch ms */; scopes: ScopeValues; usd: number; tokens: number }
export interface Reservation { id: string; requestId: string; at: number; scopes: ScopeValues; usd: number; tokens: number; expiresAt: number; budgets: string[] /* names it counts against */ }
export type ReserveResult =
  | { ok: true; reservation: Reservation; alerts: Array<{ budget: string; share: number }> }
  | { ok: false; budget: PolicyBudget; remaining: number; unit: 'usd' | 'tokens'; resetsAt: number | null; action: 'reject' | 'downgrade' };
/** One settled charge: what the ledger stores. */
export interface Charge { requestId: string; at: number; settledAt: number; scopes: ScopeValues; usd: number; tokens: number; provider: string; model: string; instance: string }
export interface BudgetStore {
  reserve(req: ReserveRequest): Promise<ReserveResult>;
  /**
   * Frees the reservation and charges `actual` in full, under `scopes` (default: the
   * reservation's). Scopes naming another model (a failover served it) move the charge: the
   * model budgets charged are the served model's, atomically with freeing what was held.
   */
  settle(reservation: Reservation, actual: { usd: number; tokens: number }, scopes?: ScopeValues): Promise<void>;
  release(reservation: Reservation): Promise<void>;
  /** What is left per scope for a request, as Snapshot['budgets'] (engine/src/decide.ts). */
  remaining(scopes: ScopeValues, at: number): Promise<Snapshot['budgets']>;
  close(): Promise<void>;
}
export interface Ledger { append(charge: Charge): void | Promise<void>; flush(): Promise<void>; close(): Promise<void> }
