import { computed, onScopeDispose, ref, shallowRef } from 'vue'
import { getCloudSync, startCloudSync } from '@/api/cloud'
import { ApiError } from '@/api/client'
import type { CloudSync, CloudSyncInput } from '@/types'

export const SYNC_POLL_MS = 2000
const isActive = (s: CloudSync | null): boolean => s?.status === 'pending' || s?.status === 'running'

/**
 * Starts a cloud host sync (the server waits up to `wait` s) and, while the record is still
 * pending/running, polls it every 2 s until it succeeds or fails.
 */
export function useCloudSync(options: { wait?: number; interval?: number } = {}) {
  const sync = shallowRef<CloudSync | null>(null)
  const error = shallowRef<ApiError | null>(null)
  const starting = ref(false)
  let timer: ReturnType<typeof setTimeout> | null = null
  let ticket = 0

  const running = computed(() => starting.value || isActive(sync.value))
  const finished = computed(() => sync.value?.status === 'success' || sync.value?.status === 'failed')

  function stop(): void {
    ticket++
    if (timer) clearTimeout(timer)
    timer = null
  }

  function schedule(mine: number): void {
    if (!isActive(sync.value) || !sync.value) return
    const id = sync.value.id
    timer = setTimeout(async () => {
      if (mine !== ticket) return
      try {
        const next = await getCloudSync(id)
        if (mine !== ticket) return
        sync.value = next
      } catch (e) {
        if (mine !== ticket) return
        error.value = e instanceof ApiError ? e : new ApiError(String(e), 0)
      }
      schedule(mine)
    }, options.interval ?? SYNC_POLL_MS)
  }

  async function start(body: CloudSyncInput): Promise<CloudSync | null> {
    stop()
    const mine = ticket
    sync.value = null
    error.value = null
    starting.value = true
    try {
      sync.value = await startCloudSync(body, options.wait ?? 30)
    } catch (e) {
      error.value = e instanceof ApiError ? e : new ApiError(String(e), 0)
      return null
    } finally {
      starting.value = false
    }
    schedule(mine)
    return sync.value
  }

  function reset(): void {
    stop()
    sync.value = null
    error.value = null
  }

  onScopeDispose(stop)
  return { sync, error, starting, running, finished, start, stop, reset }
}
