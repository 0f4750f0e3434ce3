import { describe, expect, it } from 'vitest'
import { LogBuffer } from '@/lib/logBuffer'
import type { LiveEvent } from '@/types'

const TS = 1_796_000_000
const ev = (e: Omit<LiveEvent, 'ts'>): LiveEvent => ({ ts: TS, ...e })
const out = (seq: number, host: string, text: string, stream: 'stdout' | 'stderr' = 'stdout'): LiveEvent =>
  ev({ seq, kind: 'output', host, text, stream, step: 1 })

describe('LogBuffer', () => {
  it('appends output split into lines per host, keeping an unterminated tail', () => {
    const b = new LogBuffer()
    b.add(out(1, 'web1', 'line 1\nline '))
    b.add(out(2, 'web2', 'other\n'))
    b.add(out(3, 'web1', '2\nline 3'))
    expect(b.linesFor('web1').map((l) => l.text)).toEqual(['line 1', 'line 2', 'line 3'])
    expect(b.linesFor('web2').map((l) => l.text)).toEqual(['other'])
    expect(b.linesFor(null)).toHaveLength(4)
    expect(b.textFor('web1')).toBe('line 1\nline 2\nline 3')
  })

  it('drops duplicates by seq (a replay after reconnect)', () => {
    const b = new LogBuffer()
    for (const e of [out(1, 'h', 'a\n'), out(2, 'h', 'b\n')]) b.add(e)
    expect(b.add(out(1, 'h', 'a\n'))).toBe('duplicate')
    expect(b.add(out(2, 'h', 'b\n'))).toBe('duplicate')
    expect(b.add(out(3, 'h', 'c\n'))).toBe('added')
    expect(b.linesFor('h').map((l) => l.text)).toEqual(['a', 'b', 'c'])
    expect(b.since).toBe(3)
  })

  it('holds out-of-order events until the gap fills, then applies them in order', () => {
    const b = new LogBuffer()
    b.add(out(1, 'h', 'one\n'))
    expect(b.add(out(3, 'h', 'three\n'))).toBe('held')
    expect(b.hasGap).toBe(true)
    expect(b.since).toBe(1)
    expect(b.add(out(2, 'h', 'two\n'))).toBe('added')
    expect(b.hasGap).toBe(false)
    expect(b.linesFor('h').map((l) => l.text)).toEqual(['one', 'two', 'three'])
    expect(b.since).toBe(3)
  })

  it('resumes from a later seq (first event of a resumed connection)', () => {
    const b = new LogBuffer()
    expect(b.add(out(41, 'h', 'x\n'))).toBe('added')
    expect(b.since).toBe(41)
  })

  it('tracks host results, step and execution status', () => {
    const b = new LogBuffer()
    b.add(ev({ seq: 1, kind: 'step_start', step: 1 }))
    b.add(ev({ seq: 2, kind: 'remote_start', host: 'h1', step: 1, dir: 'hub-ls.0123456789abcdef' }))
    expect(b.hosts.get('h1')?.status).toBe('running')
    b.add(out(3, 'h1', 'partial'))
    b.add(ev({ seq: 4, kind: 'host_result', host: 'h1', step: 1, status: 'failed', rc: 2 }))
    b.add(ev({ seq: 5, kind: 'batch_start', step: 1 }))
    b.add(ev({ seq: 6, kind: 'paused' }))
    expect(b.hosts.get('h1')).toEqual({ host: 'h1', status: 'failed', rc: 2, step: 1 })
    expect(b.steps.get(1)).toBe('running')
    expect(b.status).toBe('paused')
    // the host result flushes the unterminated tail into a line
    expect(b.linesFor('h1').map((l) => l.text)).toEqual(['partial'])
  })

  it('keeps stderr marked and caps memory', () => {
    const b = new LogBuffer(3)
    b.add(out(1, 'h', 'a\nb\n'))
    b.add(out(2, 'h', 'err\n', 'stderr'))
    b.add(out(3, 'h', 'c\n'))
    expect(b.lines.map((l) => l.text)).toEqual(['b', 'err', 'c'])
    expect(b.lines[1]?.stream).toBe('stderr')
  })
})

describe('LogBuffer views', () => {
  it('returns a new array on every read so views notice appended lines', () => {
    const b = new LogBuffer()
    b.add(out(1, 'h', 'a\n'))
    const first = b.linesFor(null)
    b.add(out(2, 'h', 'b\n'))
    const second = b.linesFor(null)
    expect(second).not.toBe(first)
    expect(second).toHaveLength(2)
  })

  it('understands the hub event kinds (host_start, end)', () => {
    const b = new LogBuffer()
    b.add(ev({ seq: 1, kind: 'host_start', host: 'h', step: 1 }))
    expect(b.hosts.get('h')?.status).toBe('running')
    b.add(ev({ seq: 2, kind: 'end', status: 'success' }))
    expect(b.status).toBe('success')
  })

  it('shows Ansible messages and control requests as system lines, skips capped output', () => {
    const b = new LogBuffer()
    b.add(ev({ seq: 1, kind: 'log', host: 'h', step: 1, text: '[WARNING]: no hosts matched' }))
    b.add(ev({ seq: 2, kind: 'control', text: 'stop', status: 'running' }))
    b.add(ev({ seq: 3, kind: 'output_skipped', host: 'h', step: 1, text: '' }))
    b.add(ev({ seq: 4, kind: 'status', status: 'running' }))
    expect(b.linesFor('h')).toEqual([{ seq: 1, host: 'h', step: 1, stream: 'system', text: '[WARNING]: no hosts matched' }])
    expect(b.linesFor('').map((l) => [l.stream, l.text])).toEqual([['system', '[stop requested]']])
    expect(b.since).toBe(4)
    expect(b.status).toBe('running')
  })
})
