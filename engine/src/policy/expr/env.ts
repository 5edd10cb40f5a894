/**
 * The host's half of a condition's environment: the value of every NUM and STR slot of a
 * layout for one request and snapshot. (FEATURES fields are the core's own work.)
 */
import type { CircuitState, HealthState, RequestFeatures, Snapshot } from '../../decide.js';
import { ENUM_MEMBERS, type SlotSource } from './fields.js';

/** The slot tables of a compiled policy's conditions, as ExprCompiler.finish() returns them. */
export interface EnvLayout {
  numSlots: readonly SlotSource[];
  strSlots: readonly SlotSource[];
}

const CIRCUIT_CODE = new Map(ENUM_MEMBERS.circuit.map((name, code) => [name as CircuitState, code]));

/** The NUM slots (bools as 0/1, enums as codes) and STR slots of `layout` for one request. */
export function envValues(layout: EnvLayout, request: RequestFeatures, snapshot?: Snapshot): { nums: Float64Array; strs: string[] } {
  const nums = new Float64Array(layout.numSlots.length);
  for (let i = 0; i < nums.length; i++) nums[i] = numValue(layout.numSlots[i]!, request, snapshot);
  return { nums, strs: layout.strSlots.map((s) => strValue(s, request)) };
}

function numValue(source: SlotSource, request: RequestFeatures, snapshot: Snapshot | undefined): number {
  switch (source.kind) {
    case 'request':
      switch (source.field) {
        case 'messages': return request.messages.length;
        case 'max_output': return request.maxTokens ?? 0;
        case 'stream': return request.stream ? 1 : 0;
        case 'tools': return (request.tools?.length ?? 0) > 0 ? 1 : 0;
        case 'json_mode': return request.jsonMode === true ? 1 : 0;
        case 'images': return request.images?.count ?? 0;
        default: break;
      }
      break;
    case 'time': {
      const arrived = new Date(Number.isFinite(request.arrivedAt) ? request.arrivedAt! : 0);
      return source.field === 'hour' ? arrived.getUTCHours() : arrived.getUTCDay();
    }
    case 'model':
      return healthValue(own(snapshot?.models, source.name), source.field);
    case 'provider':
      return healthValue(own(snapshot?.providers, source.name), source.field);
    case 'budget': {
      const budget = own(snapshot?.budgets, source.scope);
      const left = source.field === 'remaining_usd' ? budget?.remainingUsd : budget?.remainingTokens;
      return left ?? Infinity;
    }
    default:
      break;
  }
  throw new RangeError(`slot source ${JSON.stringify(source)} is not a number`);
}

function healthValue(state: HealthState | undefined, field: 'circuit' | 'latency_ewma' | 'error_rate'): number {
  switch (field) {
    case 'circuit': return CIRCUIT_CODE.get(state?.circuit ?? 'closed')!;
    case 'latency_ewma': return state?.latencyEwmaMs ?? 0;
    case 'error_rate': return state?.errorRate ?? 0;
  }
}

function strValue(source: SlotSource, request: RequestFeatures): string {
  switch (source.kind) {
    case 'request':
      switch (source.field) {
        case 'model': return request.model;
        case 'priority': return request.priority ?? metadataText(request, 'priority') ?? 'normal';
        case 'user': return request.user ?? '';
        case 'session': return request.session ?? metadataText(request, 'session_id') ?? '';
        default: break;
      }
      break;
    case 'caller':
      return request.caller?.[source.field] ?? '';
    case 'metadata':
      return metadataText(request, source.key) ?? '';
    case 'caller_metadata':
      return own(request.caller?.metadata, source.key) ?? '';
    default:
      break;
  }
  throw new RangeError(`slot source ${JSON.stringify(source)} is not text`);
}

/** metadata[key] as text; undefined when absent. Clients send JSON, so a value may be any JSON. */
function metadataText(request: RequestFeatures, key: string): string | undefined {
  const value: unknown = own(request.metadata, key);
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** record[key] when it is the record's own (a model named "constructor" is not Object's). */
function own<V>(record: Readonly<Partial<Record<string, V>>> | undefined, key: string): V | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}
