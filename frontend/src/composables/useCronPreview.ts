import { onScopeDispose, ref, shallowRef, watch, type Ref } from 'vue'
import { previewCron } from '@/api/schedules'
import { ApiError } from '@/api/client'
import type { SchedulePreview } from '@/types'

/**
 * Live preview of a cron expression in a zone (debounced): the human description and the
 * next runs, or the server's message for the field that is wrong.
 */
export function useCronPreview(cron: Ref<string>, timezone: Ref<string>, options: { delay?: number; count?: number } = {}) {
  const preview = shallowRef<SchedulePreview | null>(null)
  const cronError = ref('')
  const timezoneError = ref('')
  const loading = ref(false)
  let timer: ReturnType<typeof setTimeout> | null = null
  let ticket = 0

  async function run(): Promise<void> {
    const mine = ++ticket
    if (!cron.value.trim()) {
      preview.value = null
      cronError.value = ''
      timezoneError.value = ''
      return
    }
    loading.value = true
    try {
      const result = await previewCron(cron.value.trim(), timezone.value || 'UTC', options.count ?? 5)
      if (mine !== ticket) return
      preview.value = result
      cronError.value = ''
      timezoneError.value = ''
    } catch (e) {
      if (mine !== ticket) return
      preview.value = null
      const err = e instanceof ApiError ? e : new ApiError(String(e), 0)
      timezoneError.value = err.field('timezone') ?? ''
      cronError.value = err.field('cron_expression') ?? (timezoneError.value ? '' : err.message)
    } finally {
      if (mine === ticket) loading.value = false
    }
  }

  watch([cron, timezone], () => {
    if (timer) clearTimeout(timer)
    timer = setTimeout(() => void run(), options.delay ?? 400)
  }, { immediate: true })
  onScopeDispose(() => {
    if (timer) clearTimeout(timer)
  })

  return { preview, cronError, timezoneError, loading, refresh: run }
}
