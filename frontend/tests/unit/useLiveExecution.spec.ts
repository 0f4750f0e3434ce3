import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { effectScope, nextTick } from 'vue'
import { liveUrl, useLiveExecution } from '@/composables/useLiveExecution'
import { tokens } from '@/api/client'

/** A controllable stand-in for the browser WebSocket. */
class FakeSocket {
  static all: FakeSocket[] = []
  onopen: (() => void) | null = null
  onmessage: ((e: { data: string }) => void) | null = null
  onclose: ((e: { code: number }) => void) | null = null
  onerror: (() => void) | null = null
  closed = false
  constructor(public url: string) {
    FakeSocket.all.push(this)
  }
  open(): void {
    this.onopen?.()
  }
  send(message: unknown): void {
    this.onmessage?.({ data: JSON.stringify(message) })
  }
  close(code = 1000): void {
    if (this.closed) return
    this.closed = true
    this.onclose?.({ code })
  }
}

const event = (seq: number, text: string, host = 'web1') => ({ type: 'event', event: { seq, kind: 'output', host, text, stream: 'stdout' } })

describe('useLiveExecution', () => {
  beforeEach(() => {
    FakeSocket.all = []
    vi.useFakeTimers()
    localStorage.clear()
    tokens.set('ACCESS')
  })
  afterEach(() => vi.useRealTimers())

  function setup() {
    const scope = effectScope()
    const live = scope.run(() => useLiveExecution(42, { connect: (url) => new FakeSocket(url) as unknown as WebSocket, baseDelayMs: 100, maxDelayMs: 1000, idleMs: 5000 }))!
    return { live, scope }
  }

  it('builds the socket URL with token and resume point', () => {
    expect(liveUrl(5, 17, 'T', { protocol: 'https:', host: 'ops.example' })).toBe('wss://ops.example/ws/executions/5/?since=17&token=T')
  })

  it('appends events as they arrive', async () => {
    const { live, scope } = setup()
    live.start()
    const ws = FakeSocket.all[0]!
    expect(ws.url).toContain('/ws/executions/42/?since=0&token=ACCESS')
    ws.open()
    ws.send(event(1, 'hello\n'))
    ws.send({ type: 'heartbeat' })
    ws.send(event(2, 'world\n'))
    await nextTick()
    expect(live.connected.value).toBe(true)
    expect(live.buffer.value.linesFor('web1').map((l) => l.text)).toEqual(['hello', 'world'])
    expect(live.version.value).toBeGreaterThan(0)
    scope.stop()
  })

  it('reconnects with backoff and resumes from the last seq, dropping replays', async () => {
    const { live, scope } = setup()
    live.start()
    const first = FakeSocket.all[0]!
    first.open()
    first.send(event(1, 'a\n'))
    first.send(event(2, 'b\n'))
    first.close(1006)
    expect(live.connected.value).toBe(false)
    expect(FakeSocket.all).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(200)
    const second = FakeSocket.all[1]!
    expect(second.url).toContain('since=2')
    second.open()
    second.send(event(2, 'b\n')) // the server replays what we already have
    second.send(event(3, 'c\n'))
    expect(live.buffer.value.linesFor('web1').map((l) => l.text)).toEqual(['a', 'b', 'c'])
    expect(live.reconnects.value).toBe(1)
    scope.stop()
  })

  it('backs off exponentially while the server stays down', async () => {
    const { live, scope } = setup()
    live.start()
    FakeSocket.all[0]!.close(1006)
    await vi.advanceTimersByTimeAsync(130) // ~100ms
    FakeSocket.all[1]!.close(1006)
    await vi.advanceTimersByTimeAsync(130) // next delay is ~200ms: not yet
    expect(FakeSocket.all).toHaveLength(2)
    await vi.advanceTimersByTimeAsync(150)
    expect(FakeSocket.all).toHaveLength(3)
    scope.stop()
  })

  it('stops after the end message and does not reconnect', async () => {
    const { live, scope } = setup()
    live.start()
    const ws = FakeSocket.all[0]!
    ws.open()
    ws.send(event(1, 'done\n'))
    ws.send({ type: 'end', summary: { total: 1, success: 1 } })
    expect(live.ended.value).toBe(true)
    expect(live.summary.value).toEqual({ total: 1, success: 1 })
    await vi.advanceTimersByTimeAsync(5000)
    expect(FakeSocket.all).toHaveLength(1)
    scope.stop()
  })

  it('treats a silent connection as dead and reconnects', async () => {
    const { live, scope } = setup()
    live.start()
    FakeSocket.all[0]!.open()
    await vi.advanceTimersByTimeAsync(5100)
    expect(FakeSocket.all[0]!.closed).toBe(true)
    await vi.advanceTimersByTimeAsync(200)
    expect(FakeSocket.all).toHaveLength(2)
    scope.stop()
  })

  it('closes the socket when the owning scope is disposed', () => {
    const { live, scope } = setup()
    live.start()
    FakeSocket.all[0]!.open()
    scope.stop()
    expect(FakeSocket.all[0]!.closed).toBe(true)
  })
})

describe('useLiveExecution fatal closes', () => {
  it('does not retry when the execution is not found or forbidden', async () => {
    vi.useFakeTimers()
    FakeSocket.all = []
    const scope = effectScope()
    const live = scope.run(() => useLiveExecution(1, { connect: (url) => new FakeSocket(url) as unknown as WebSocket, baseDelayMs: 10 }))!
    live.start()
    FakeSocket.all[0]!.close(4404)
    await vi.advanceTimersByTimeAsync(1000)
    expect(FakeSocket.all).toHaveLength(1)
    scope.stop()
    vi.useRealTimers()
  })
})
