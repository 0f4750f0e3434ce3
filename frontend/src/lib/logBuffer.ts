/**
 * In-memory model of an execution's live events: ordered by the gapless per-execution
 * `seq`, duplicates dropped (replays after a reconnect), out-of-order events held until
 * the gap fills, output split into lines per host.
 */
import type { LiveEvent } from '@/types'

export interface LogLine {
  seq: number
  host: string
  step: number | null
  stream: 'stdout' | 'stderr' | 'system'
  text: string
}

export interface HostState {
  host: string
  status: string
  rc: number | null
  step: number | null
}

/** A host's row in the execution view: latest status, exit code and duration. */
export interface HostRow { host: string; status: string; rc: number | null; duration: number | null }

export type AddResult = 'added' | 'duplicate' | 'held'

/** Hold at most this many out-of-order events before giving up on the gap. */
const MAX_PENDING = 500

export class LogBuffer {
  lastSeq = 0
  status: string | null = null
  readonly lines: LogLine[] = []
  readonly hosts = new Map<string, HostState>()
  readonly steps = new Map<number, string>()
  private readonly pending = new Map<number, LiveEvent>()
  private readonly partial = new Map<string, { text: string; stream: LogLine['stream']; step: number | null; seq: number }>()

  constructor(private readonly maxLines = 200_000) {}

  /** The seq to resume from after a reconnect. */
  get since(): number {
    return this.lastSeq
  }

  get hasGap(): boolean {
    return this.pending.size > 0
  }

  add(event: LiveEvent): AddResult {
    if (event.seq <= this.lastSeq || this.pending.has(event.seq)) return 'duplicate'
    if (this.lastSeq !== 0 && event.seq > this.lastSeq + 1) {
      this.pending.set(event.seq, event)
      if (this.pending.size > MAX_PENDING) this.skipGap()
      return 'held'
    }
    this.apply(event)
    this.drain()
    return 'added'
  }

  /** Lines of one host (or all hosts), including the unterminated tail. */
  linesFor(host: string | null): LogLine[] {
    // Always a new array: views compare by reference to know the lines changed.
    const done = host === null ? this.lines.slice() : this.lines.filter((l) => l.host === host)
    const tails = [...this.partial.entries()]
      .filter(([h, p]) => p.text && (host === null || h === host))
      .map(([h, p]) => ({ seq: p.seq, host: h, step: p.step, stream: p.stream, text: p.text }))
    return tails.length ? [...done, ...tails] : done
  }

  textFor(host: string | null): string {
    return this.linesFor(host).map((l) => (host === null ? `[${l.host}] ${l.text}` : l.text)).join('\n')
  }

  private drain(): void {
    for (let next = this.pending.get(this.lastSeq + 1); next; next = this.pending.get(this.lastSeq + 1)) {
      this.pending.delete(next.seq)
      this.apply(next)
    }
  }

  private skipGap(): void {
    const first = Math.min(...this.pending.keys())
    this.lastSeq = first - 1
    this.drain()
  }

  private apply(event: LiveEvent): void {
    this.lastSeq = event.seq
    const host = event.host ?? ''
    const step = event.step ?? null
    switch (event.kind) {
      case 'output':
        this.appendOutput(host, event.text ?? '', event.stream ?? 'stdout', step, event.seq)
        break
      case 'output_skipped':
        break // past the live limit: the marker came with the last output; the log files hold it all
      case 'host_result':
        this.flush(host)
        this.hosts.set(host, { host, status: event.status ?? 'unknown', rc: event.rc ?? null, step })
        if (event.text) this.appendOutput(host, event.text, 'stdout', step, event.seq, true)
        break
      case 'host_start':
      case 'remote_start':
        if (host && !this.hosts.has(host)) this.hosts.set(host, { host, status: 'running', rc: null, step })
        break
      case 'step_start':
      case 'batch_start':
        if (step !== null) this.steps.set(step, 'running')
        break
      case 'log':
        if (event.text) this.appendOutput(host, event.text, 'system', step, event.seq, true)
        break
      case 'control':
        this.appendOutput(host, `[${event.text ?? 'control'} requested]`, 'system', step, event.seq, true)
        break
      case 'end':
      case 'status':
      case 'paused':
      case 'resumed':
        this.status = event.status ?? (event.kind === 'paused' ? 'paused' : event.kind === 'resumed' ? 'running' : this.status)
        break
      default: {
        const unknown: never = event.kind // a kind added to the API must be handled here
        void unknown
      }
    }
  }

  private appendOutput(host: string, text: string, stream: LogLine['stream'], step: number | null, seq: number, whole = false): void {
    const prev = this.partial.get(host)
    const combined = (prev?.text ?? '') + text
    const parts = combined.split(/\r?\n/)
    const tail = whole ? '' : parts.pop() ?? ''
    if (whole && parts[parts.length - 1] === '') parts.pop()
    for (const part of parts) this.lines.push({ seq, host, step, stream, text: part })
    if (tail) this.partial.set(host, { text: tail, stream, step, seq })
    else this.partial.delete(host)
    if (this.lines.length > this.maxLines) this.lines.splice(0, this.lines.length - this.maxLines)
  }

  private flush(host: string): void {
    const p = this.partial.get(host)
    if (!p) return
    this.lines.push({ seq: p.seq, host, step: p.step, stream: p.stream, text: p.text })
    this.partial.delete(host)
  }
}
