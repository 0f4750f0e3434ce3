import { getCurrentScope, onScopeDispose, ref, shallowRef, type Ref } from 'vue'
import { refreshAccess, tokens } from '@/api/client'
import { LogBuffer } from '@/lib/logBuffer'
import type { LiveMessage } from '@/types'

export interface LiveOptions {
  /** Builds the socket (tests inject a fake). */
  connect?: (url: string) => WebSocket
  /** Called for every message after it was applied (e.g. to refresh the detail on `end`). */
  onMessage?: (message: LiveMessage) => void
  /** A connection silent for this long is considered dead (server heartbeats are shorter). */
  idleMs?: number
  baseDelayMs?: number
  maxDelayMs?: number
}

/** Close codes the server uses when the token is missing or expired. */
const AUTH_CLOSE = new Set([4001, 4401])
/** The execution does not exist or may not be seen: retrying cannot help. */
const FATAL_CLOSE = new Set([4003, 4403, 4404])

export function liveUrl(id: number, since: number, token: string | null, loc: Pick<Location, 'protocol' | 'host'> = window.location): string {
  const scheme = loc.protocol === 'https:' ? 'wss' : 'ws'
  const q = new URLSearchParams({ since: String(since) })
  if (token) q.set('token', token)
  return `${scheme}://${loc.host}/ws/executions/${id}/?${q.toString()}`
}

/**
 * Owns the WebSocket of one execution: applies events to a LogBuffer, reconnects with
 * exponential backoff and resumes from the last seq seen; stops after the `end` message.
 */
export function useLiveExecution(id: Ref<number> | number, options: LiveOptions = {}) {
  const buffer = shallowRef(new LogBuffer())
  const version = ref(0)
  const connected = ref(false)
  const ended = ref(false)
  const reconnects = ref(0)
  const summary = shallowRef<Record<string, unknown> | null>(null)
  const connect = options.connect ?? ((url: string) => new WebSocket(url))
  const idleMs = options.idleMs ?? 45_000
  const baseDelay = options.baseDelayMs ?? 500
  const maxDelay = options.maxDelayMs ?? 10_000

  let socket: WebSocket | null = null
  let attempt = 0
  let retryTimer: ReturnType<typeof setTimeout> | null = null
  let idleTimer: ReturnType<typeof setTimeout> | null = null
  let closedByUs = false
  let flushQueued = false

  const executionId = (): number => (typeof id === 'number' ? id : id.value)

  function bump(): void {
    if (flushQueued) return
    flushQueued = true
    queueMicrotask(() => {
      flushQueued = false
      version.value++
    })
  }

  function armIdle(): void {
    if (idleTimer) clearTimeout(idleTimer)
    idleTimer = setTimeout(() => socket?.close(4000, 'idle'), idleMs)
  }

  function handle(raw: string): void {
    let message: LiveMessage
    try {
      message = JSON.parse(raw) as LiveMessage
    } catch {
      return
    }
    attempt = 0
    armIdle()
    if (message.type === 'event') {
      const result = buffer.value.add(message.event)
      if (result === 'held' && buffer.value.hasGap) {
        // A gap means the server skipped ahead: resume from the last contiguous seq.
        socket?.close(4000, 'gap')
      }
      bump()
    } else if (message.type === 'end') {
      ended.value = true
      summary.value = message.summary ?? null
      bump()
      stop()
    }
    options.onMessage?.(message)
  }

  function open(): void {
    if (ended.value || closedByUs) return
    const ws = connect(liveUrl(executionId(), buffer.value.since, tokens.access))
    socket = ws
    ws.onopen = () => {
      connected.value = true
      armIdle()
    }
    ws.onmessage = (e: MessageEvent) => handle(typeof e.data === 'string' ? e.data : String(e.data))
    ws.onclose = (e: CloseEvent) => {
      connected.value = false
      if (socket === ws) socket = null
      if (ended.value || closedByUs) return
      if (FATAL_CLOSE.has(e.code)) {
        stop()
        return
      }
      if (AUTH_CLOSE.has(e.code)) void refreshAccess().then(() => schedule())
      else schedule()
    }
    ws.onerror = () => ws.close()
  }

  function schedule(): void {
    if (retryTimer || ended.value || closedByUs) return
    const delay = Math.min(maxDelay, baseDelay * 2 ** attempt) * (0.8 + Math.random() * 0.4)
    attempt++
    reconnects.value++
    retryTimer = setTimeout(() => {
      retryTimer = null
      open()
    }, delay)
  }

  function start(): void {
    closedByUs = false
    ended.value = false
    open()
  }

  function stop(): void {
    closedByUs = true
    if (retryTimer) clearTimeout(retryTimer)
    if (idleTimer) clearTimeout(idleTimer)
    retryTimer = null
    idleTimer = null
    socket?.close(1000)
    socket = null
    connected.value = false
  }

  /** Start over for another execution (e.g. after "retry failed" navigates). */
  function restart(): void {
    stop()
    buffer.value = new LogBuffer()
    attempt = 0
    reconnects.value = 0
    summary.value = null
    version.value++
    start()
  }

  if (getCurrentScope()) onScopeDispose(stop)

  return { buffer, version, connected, ended, reconnects, summary, start, stop, restart }
}
